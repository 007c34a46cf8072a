// An error box screen readers announce, showing the stable code beside the sentence.
import { explainError } from './errors';

export function ErrorNotice({ error, onDismiss }: { error: unknown; onDismiss?: () => void }) {
  const { code, message } = explainError(error);
  return (
    <div role="alert" className="nx-error" data-code={code}>
      <strong>{message}</strong> <code>{code}</code>
      {onDismiss && (
        <button type="button" onClick={onDismiss} aria-label="Dismiss error">
          ×
        </button>
      )}
    </div>
  );
}
