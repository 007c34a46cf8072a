import { csvField, render, sparkline, type Report } from './format.js';

describe('analyst output', () => {
  test('sparklines scale from zero to the peak, one character per value', () => {
    expect(sparkline([])).toBe('');
    expect(sparkline([0, 0, 0])).toBe('▁▁▁');
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7])).toBe('▁▂▃▄▅▆▇█');
    expect(sparkline([5, 5])).toBe('██');
    expect(sparkline([-2, 0, 2])).toBe('▁▅█');
  });

  test('CSV quotes commas, quotes and line breaks (RFC 4180) and leaves the rest alone', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField(12.5)).toBe('12.5');
    expect(csvField(null)).toBe('');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
  });

  test('a report: aligned table with human units, CSV with raw numbers, JSON as given', () => {
    const report: Report = {
      columns: ['name', 'rate', 'amount', 'note'],
      rows: [
        ['a', { ratio: 0.5 }, { cents: 999 }, null],
        ['longer name', { ratio: 1 / 3 }, { cents: 5 }, 'x, y'],
      ],
      series: [{ label: 'trend', values: [1, 3] }],
      json: { any: 'thing' },
    };
    expect(render(report, 'table')).toBe(
      [
        'name           rate  amount  note',
        '-----------  ------  ------  ----',
        'a            50.0 %    9.99',
        'longer name  33.3 %    0.05  x, y',
        '',
        'trend  ▃█  total 4, peak 3',
        '',
      ].join('\n'),
    );
    expect(render(report, 'csv')).toBe(`name,rate,amount,note\r\na,0.5,999,\r\nlonger name,${1 / 3},5,"x, y"\r\n`);
    expect(JSON.parse(render(report, 'json'))).toEqual({ any: 'thing' });
  });
});
