// Retention cohorts as a table: each row a cohort, each cell the share still active that many periods later.
import { useId, useState } from 'react';
import { useQuery } from '@apollo/client/react';
import { WebRetentionDocument, type CohortPeriod } from '../../../generated/graphql';
import { ErrorText } from './errors';

const PERIODS: CohortPeriod[] = ['DAY', 'WEEK', 'MONTH'];

export function RetentionTable() {
  const ids = useId();
  const [cohort, setCohort] = useState<CohortPeriod>('WEEK');
  const [periods, setPeriods] = useState(8);
  const retention = useQuery(WebRetentionDocument, { variables: { cohort, periods } });
  const rows = retention.data?.retention ?? [];
  const width = rows.reduce((max, r) => Math.max(max, r.rates.length), 0);

  return (
    <section aria-labelledby={`${ids}-title`} className="nx-card">
      <h3 id={`${ids}-title`}>Retention</h3>
      <div className="nx-row">
        <label htmlFor={`${ids}-cohort`}>Cohort</label>
        <select id={`${ids}-cohort`} value={cohort} onChange={(e) => setCohort(e.target.value as CohortPeriod)}>
          {PERIODS.map((p) => (
            <option key={p} value={p}>
              {p.toLowerCase()}
            </option>
          ))}
        </select>
        <label htmlFor={`${ids}-periods`}>Cohorts</label>
        <input
          id={`${ids}-periods`}
          type="number"
          min="1"
          max="52"
          value={periods}
          onChange={(e) => setPeriods(Math.min(52, Math.max(1, Number(e.target.value) || 1)))}
        />
      </div>
      {retention.error && <ErrorText error={retention.error} />}
      {retention.loading && rows.length === 0 && <p>Loading…</p>}
      <div className="nx-scroll">
        <table className="nx-table nx-retention">
          <thead>
            <tr>
              <th scope="col">Cohort</th>
              <th scope="col">Users</th>
              {Array.from({ length: width }, (_, i) => (
                <th scope="col" key={i}>
                  +{i}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.start}>
                <th scope="row">{new Date(row.start).toLocaleDateString(undefined, { timeZone: 'UTC' })}</th>
                <td>{row.size}</td>
                {Array.from({ length: width }, (_, i) => {
                  const rate = row.rates[i];
                  return (
                    <td
                      key={i}
                      // Darker blue for higher retention; the text switches to white where the fill gets dark.
                      style={
                        rate === undefined
                          ? undefined
                          : {
                              background: `rgba(31, 95, 191, ${0.08 + rate * 0.85})`,
                              color: rate > 0.5 ? '#fff' : '#1a1a1a',
                            }
                      }
                    >
                      {rate === undefined ? '' : `${Math.round(rate * 100)} %`}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
