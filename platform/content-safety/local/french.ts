import { DataSet, pattern } from 'obscenity';

/**
 * A short French list, built with obscenity's own DataSet and pattern syntax so it gets the
 * same obfuscation handling as the English preset (leetspeak, confusables — which also fold
 * accents, é → e —, repeated letters). Patterns are written as the matcher sees text after those
 * transformations: lowercase, no accents, doubled letters collapsed except b, e, o, l, s and g
 * (so `connard` is written `conard`). `|` marks a word boundary.
 *
 * Left out on purpose, because they are ordinary words too: con, bite (English "bite"), chatte
 * (a female cat), pédale (a pedal), raton (a young raccoon), baiser (to kiss), pipe, tapette.
 */
export interface LexiconMetadata {
  originalWord: string;
}

export const frenchDataset = new DataSet<LexiconMetadata>()
  // Profanity and insults.
  .addPhrase((p) =>
    p
      .setMetadata({ originalWord: 'putain' })
      .addPattern(pattern`putain`)
      .addPattern(pattern`|ptn|`),
  )
  .addPhrase((p) => p.setMetadata({ originalWord: 'merde' }).addPattern(pattern`merde`))
  .addPhrase((p) =>
    p
      .setMetadata({ originalWord: 'connard' })
      .addPattern(pattern`|conard`)
      .addPattern(pattern`|conasse`),
  )
  .addPhrase((p) => p.setMetadata({ originalWord: 'salope' }).addPattern(pattern`|salop`))
  .addPhrase((p) => p.setMetadata({ originalWord: 'enculé' }).addPattern(pattern`|encul`))
  .addPhrase((p) =>
    p
      .setMetadata({ originalWord: 'pute' })
      .addPattern(pattern`|pute|`)
      .addPattern(pattern`|putes|`)
      .addPattern(pattern`|fdp|`),
  )
  .addPhrase((p) =>
    p
      .setMetadata({ originalWord: 'niquer' })
      .addPattern(pattern`|niqu`)
      .addPattern(pattern`|ntm|`),
  )
  .addPhrase((p) => p.setMetadata({ originalWord: 'enfoiré' }).addPattern(pattern`|enfoir`))
  .addPhrase((p) => p.setMetadata({ originalWord: 'bâtard' }).addPattern(pattern`|batard`))
  .addPhrase((p) => p.setMetadata({ originalWord: 'couilles' }).addPattern(pattern`|couil`))
  .addPhrase((p) => p.setMetadata({ originalWord: 'branleur' }).addPattern(pattern`|branl`))
  .addPhrase((p) =>
    p
      .setMetadata({ originalWord: 'bordel' })
      .addPattern(pattern`|bordel`)
      .addWhitelistedTerm('bordelais')
      .addWhitelistedTerm('bordelaise'),
  )
  .addPhrase((p) => p.setMetadata({ originalWord: 'chier' }).addPattern(pattern`|chier|`))
  .addPhrase((p) => p.setMetadata({ originalWord: 'pétasse' }).addPattern(pattern`|petasse`))
  .addPhrase((p) => p.setMetadata({ originalWord: 'ta gueule' }).addPattern(pattern`|ta gueule`))
  // Sexual.
  .addPhrase((p) => p.setMetadata({ originalWord: 'partouze' }).addPattern(pattern`|partouz`))
  .addPhrase((p) => p.setMetadata({ originalWord: 'sodomie' }).addPattern(pattern`|sodomi`))
  // Slurs.
  .addPhrase((p) =>
    p
      .setMetadata({ originalWord: 'pédé' })
      .addPattern(pattern`|pede|`)
      .addPattern(pattern`|pedes|`)
      .addPattern(pattern`|tarlouz`),
  )
  .addPhrase((p) => p.setMetadata({ originalWord: 'gouine' }).addPattern(pattern`|gouine`))
  .addPhrase((p) =>
    p
      .setMetadata({ originalWord: 'bougnoule' })
      .addPattern(pattern`|bougnoul`)
      .addPattern(pattern`|bicot`),
  )
  .addPhrase((p) => p.setMetadata({ originalWord: 'youpin' }).addPattern(pattern`|youpin`))
  .addPhrase((p) =>
    p
      .setMetadata({ originalWord: 'nègre' })
      .addPattern(pattern`|negre`)
      .addPattern(pattern`|bamboula`),
  )
  .addPhrase((p) => p.setMetadata({ originalWord: 'chinetoque' }).addPattern(pattern`|chinetoq`))
  .addPhrase((p) =>
    p
      .setMetadata({ originalWord: 'sale [origine]' })
      .addPattern(pattern`|sale arabe`)
      .addPattern(pattern`|sale noir`)
      .addPattern(pattern`|sale juif`)
      .addPattern(pattern`|sale pede`),
  );

/** The category of each French phrase (keyed by `originalWord`). */
export const FRENCH_CATEGORIES: Record<string, 'hate' | 'sexual' | 'profanity'> = {
  putain: 'profanity',
  merde: 'profanity',
  connard: 'profanity',
  salope: 'profanity',
  enculé: 'profanity',
  pute: 'profanity',
  niquer: 'profanity',
  enfoiré: 'profanity',
  bâtard: 'profanity',
  couilles: 'profanity',
  branleur: 'profanity',
  bordel: 'profanity',
  chier: 'profanity',
  pétasse: 'profanity',
  'ta gueule': 'profanity',
  partouze: 'sexual',
  sodomie: 'sexual',
  pédé: 'hate',
  gouine: 'hate',
  bougnoule: 'hate',
  youpin: 'hate',
  nègre: 'hate',
  chinetoque: 'hate',
  'sale [origine]': 'hate',
};
