// The user's plan and what they used of it today, with an upgrade through Stripe Checkout.
import { useMutation, useQuery } from '@apollo/client/react';
import { useEffect, useId, useState } from 'react';
import { WebCreateCheckoutSessionDocument, WebPlanUsageDocument, type Plan } from '../../../generated/graphql';
import { describeError, errorCode, localTime } from '../errors';
import { userUpdated } from '../session';
import { useSessionUser } from '../useSession';

const PAID_PLANS: Plan[] = ['STANDARD', 'PREMIUM', 'VIP'];
const RANK: Record<Plan, number> = { FREE: 0, STANDARD: 1, PREMIUM: 2, VIP: 3 };
/** Stripe statuses that grant the plan (docs/billing.md): a plan change then goes through the portal. */
const LIVE = new Set(['ACTIVE', 'TRIALING', 'PAST_DUE']);
/** Back from Checkout, the plan changes when Stripe's webhook lands: look again this often, this long. */
const CONFIRM_POLL_MS = 2_000;
const CONFIRM_WAIT_MS = 60_000;

/** Set once billing answered BILLING_DISABLED: the upgrade stays hidden for the rest of the visit. */
let billingDisabled = false;

/** `meterName` avoids the word "message", so that the composer stays the one field labelled Message. */
function Usage(props: { label: string; meterName: string; used: number; limit: number; note?: string }) {
  return (
    <div className="usage">
      <div className="row spread small">
        <span>{props.label}</span>
        <span>
          {props.used} of {props.limit}
        </span>
      </div>
      <meter
        min={0}
        max={props.limit}
        value={props.used}
        optimum={0}
        high={props.limit * 0.8}
        aria-label={props.meterName}
      />
      {props.note && <p className="muted small">{props.note}</p>}
    </div>
  );
}

/** Where Stripe sends the user back: the app's own origin, which BILLING_REDIRECT_ORIGINS must list. */
function returnUrl(outcome: 'done' | 'cancelled'): string {
  return new URL(`/?checkout=${outcome}`, location.origin).toString();
}

export function PlanPanel() {
  const planId = useId();
  // Read once: the address loses `?checkout=` at once, so a reload does not thank the user again.
  const [returned] = useState(() => new URLSearchParams(location.search).get('checkout'));
  const [confirming, setConfirming] = useState(returned === 'done');
  const usage = useQuery(WebPlanUsageDocument, {
    fetchPolicy: 'cache-and-network',
    pollInterval: confirming ? CONFIRM_POLL_MS : 0,
  });
  const [checkout, session] = useMutation(WebCreateCheckoutSessionDocument);
  const [choice, setChoice] = useState<Plan | ''>('');
  const [disabled, setDisabled] = useState(billingDisabled);
  const sessionUser = useSessionUser();

  useEffect(() => {
    if (!returned) return;
    history.replaceState(null, '', location.pathname);
    const giveUp = setTimeout(() => setConfirming(false), CONFIRM_WAIT_MS);
    return () => clearTimeout(giveUp);
  }, [returned]);

  const me = usage.data?.me;
  const live = Boolean(me?.subscription && LIVE.has(me.subscription.status));
  useEffect(() => {
    if (live) setConfirming(false);
  }, [live]);
  // The header shows the session's copy of the plan, which is only as new as the last token renewal.
  useEffect(() => {
    if (me && sessionUser && me.plan !== sessionUser.plan) userUpdated({ plan: me.plan });
  }, [me, sessionUser]);
  if (!me) return usage.error ? <p role="alert">{describeError(usage.error)}</p> : null;
  const { usage: used, subscription } = me;
  const subscribed = live;
  const higher = PAID_PLANS.filter((plan) => RANK[plan] > RANK[me.plan]);
  const target = choice || higher[0];

  async function upgrade() {
    if (!target) return;
    const result = await checkout({
      variables: { plan: target, successUrl: returnUrl('done'), cancelUrl: returnUrl('cancelled') },
    }).catch((error: unknown) => {
      if (errorCode(error) === 'BILLING_DISABLED') {
        billingDisabled = true;
        setDisabled(true);
      }
      return null;
    });
    if (result?.data) location.assign(result.data.createCheckoutSession.url);
  }

  return (
    <section className="card plan" aria-labelledby="plan-title">
      <h2 id="plan-title">
        Plan: <span data-testid="plan-name">{me.plan}</span>
      </h2>
      {returned === 'done' && (
        <p role="status" className="notice">
          {subscribed
            ? `Thank you: your ${me.plan} plan is active.`
            : 'Thank you. Your plan changes as soon as the payment is confirmed.'}
        </p>
      )}
      {returned === 'cancelled' && <p className="muted small">Checkout cancelled; nothing was charged.</p>}
      <Usage
        label="Messages today"
        meterName="Daily quota used"
        used={used.messagesToday}
        limit={used.messagesLimit}
        note={`Resets at ${localTime(used.resetsAt)}`}
      />
      <Usage label="Companions" meterName="Companions owned" used={used.companionsOwned} limit={used.companionsLimit} />
      {subscription && subscription.currentPeriodEnd && subscribed && (
        <p className="muted small">
          {subscription.cancelAtPeriodEnd ? 'Ends' : 'Renews'} on{' '}
          {new Date(subscription.currentPeriodEnd).toLocaleDateString()}
        </p>
      )}
      {disabled ? (
        <p role="status" className="muted small">
          Upgrades are not available on this deployment.
        </p>
      ) : (
        !subscribed &&
        target && (
          <div className="row upgrade">
            <label htmlFor={planId} className="visually-hidden">
              Plan to upgrade to
            </label>
            <select id={planId} value={target} onChange={(event) => setChoice(event.target.value as Plan)}>
              {higher.map((plan) => (
                <option key={plan} value={plan}>
                  {plan}
                </option>
              ))}
            </select>
            <button type="button" onClick={() => void upgrade()} disabled={session.loading}>
              Upgrade
            </button>
          </div>
        )
      )}
      {session.error && errorCode(session.error) !== 'BILLING_DISABLED' && (
        <p role="alert" className="error">
          {describeError(session.error)}
        </p>
      )}
    </section>
  );
}
