// Builds a conversion funnel of 2–10 ordered event types and shows how many users reached each step.
import { useId, useState, type FormEvent } from 'react';
import { useLazyQuery } from '@apollo/client/react';
import { WebFunnelDocument } from '../../../generated/graphql';
import { ErrorText } from './errors';

const MIN_STEPS = 2;
const MAX_STEPS = 10;

interface Props {
  /** Event types seen in the window, offered as suggestions. */
  knownTypes: readonly string[];
  from: string;
  to: string;
}

export function FunnelBuilder({ knownTypes, from, to }: Props) {
  const ids = useId();
  const [steps, setSteps] = useState<string[]>(['user.registered', 'conversation.started', 'message.sent']);
  const [windowHours, setWindowHours] = useState('24');
  const [run, funnel] = useLazyQuery(WebFunnelDocument);

  const setStep = (index: number, value: string) => setSteps((all) => all.map((s, i) => (i === index ? value : s)));
  const move = (index: number, by: -1 | 1) =>
    setSteps((all) => {
      const next = [...all];
      const [step] = next.splice(index, 1);
      next.splice(index + by, 0, step!);
      return next;
    });

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    const chosen = steps.map((s) => s.trim());
    void run({ variables: { steps: chosen, from, to, windowHours: Number(windowHours) } }).catch(() => undefined);
  }

  const result = funnel.data?.conversionFunnel;
  return (
    <section aria-labelledby={`${ids}-title`} className="nx-card">
      <h3 id={`${ids}-title`}>Funnel</h3>
      <form onSubmit={onSubmit}>
        <ol className="nx-steps">
          {steps.map((step, index) => (
            <li key={index} className="nx-row">
              <label htmlFor={`${ids}-step-${index}`} className="nx-visually-hidden">
                Step {index + 1}
              </label>
              <input
                id={`${ids}-step-${index}`}
                list={`${ids}-types`}
                required
                value={step}
                onChange={(e) => setStep(index, e.target.value)}
              />
              <button
                type="button"
                aria-label={`Move step ${index + 1} up`}
                disabled={index === 0}
                onClick={() => move(index, -1)}
              >
                ↑
              </button>
              <button
                type="button"
                aria-label={`Move step ${index + 1} down`}
                disabled={index === steps.length - 1}
                onClick={() => move(index, 1)}
              >
                ↓
              </button>
              <button
                type="button"
                aria-label={`Remove step ${index + 1}`}
                disabled={steps.length <= MIN_STEPS}
                onClick={() => setSteps((all) => all.filter((_, i) => i !== index))}
              >
                ×
              </button>
            </li>
          ))}
        </ol>
        <datalist id={`${ids}-types`}>
          {knownTypes.map((t) => (
            <option key={t} value={t} />
          ))}
        </datalist>
        <div className="nx-row">
          <button type="button" disabled={steps.length >= MAX_STEPS} onClick={() => setSteps((all) => [...all, ''])}>
            Add step
          </button>
          <label htmlFor={`${ids}-window`}>Window (hours)</label>
          <input
            id={`${ids}-window`}
            type="number"
            min="1"
            max="8760"
            required
            value={windowHours}
            onChange={(e) => setWindowHours(e.target.value)}
          />
          <button type="submit" disabled={funnel.loading}>
            Run funnel
          </button>
        </div>
        <p className="nx-hint">
          {MIN_STEPS}–{MAX_STEPS} steps, each an event type; a user counts at a step when they did it after the previous
          one, within the window.
        </p>
      </form>
      {funnel.error && <ErrorText error={funnel.error} />}
      {result && (
        <div className="nx-scroll">
          <table className="nx-table" aria-label="Funnel result">
            <thead>
              <tr>
                <th scope="col">Step</th>
                <th scope="col">Users</th>
                <th scope="col">From previous</th>
                <th scope="col">Overall</th>
              </tr>
            </thead>
            <tbody>
              {result.steps.map((step, index) => (
                <tr key={`${index}-${step.type}`}>
                  <th scope="row">
                    {index + 1}. {step.type}
                  </th>
                  <td>{step.users}</td>
                  <td>{(step.conversion * 100).toFixed(1)} %</td>
                  <td>
                    <span className="nx-bar-track" aria-hidden="true">
                      <span className="nx-bar" style={{ width: `${Math.round(step.overallConversion * 100)}%` }} />
                    </span>
                    {(step.overallConversion * 100).toFixed(1)} %
                  </td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row">Conversion</th>
                <td colSpan={3}>{(result.conversion * 100).toFixed(1)} %</td>
              </tr>
            </tfoot>
          </table>
        </div>
      )}
    </section>
  );
}
