/**
 * Five-field cron expressions (minute hour day-of-month month day-of-week), as merchants know them
 * from crontab and Cloudflare's Cron Triggers, evaluated in UTC. Fields take `*`, numbers, ranges
 * (`1-5`), steps (`*\/15`, `8-18/2`), lists (`0,30`) and English names (`MON`, `JAN`). When both
 * day fields are restricted, a day matching either one counts (crontab's rule).
 */

export interface CronSchedule {
  minutes: Set<number>;
  hours: Set<number>;
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  daysRestricted: boolean;
  weekdaysRestricted: boolean;
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const WEEKDAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
  /** Where the first name counts from (months are 1-based). */
  nameBase?: number;
}

const FIELDS: FieldSpec[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTHS, nameBase: 1 },
  // 7 is Sunday too, as in crontab.
  { name: "day of week", min: 0, max: 7, names: WEEKDAYS, nameBase: 0 },
];

export class CronError extends Error {
  override name = "CronError";
}

function valueOf(text: string, spec: FieldSpec): number {
  const index = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  const value = index >= 0 ? index + (spec.nameBase ?? 0) : /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(value) || value < spec.min || value > spec.max) {
    throw new CronError(`${spec.name}: "${text}" is not between ${spec.min} and ${spec.max}`);
  }
  return value;
}

function parseField(text: string, spec: FieldSpec): Set<number> {
  const values = new Set<number>();
  for (const part of text.split(",")) {
    const match = /^([^/]+)(?:\/(\d+))?$/.exec(part);
    if (!match) throw new CronError(`${spec.name}: cannot read "${part}"`);
    const [, range, stepText] = match;
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step < 1) throw new CronError(`${spec.name}: a step must be at least 1`);
    let from: number;
    let to: number;
    if (range === "*") [from, to] = [spec.min, spec.max];
    else if (range.includes("-")) {
      const [low, high] = range.split("-");
      [from, to] = [valueOf(low, spec), valueOf(high, spec)];
      if (from > to) throw new CronError(`${spec.name}: "${range}" runs backwards`);
    } else {
      from = valueOf(range, spec);
      // "5/15" means from 5 to the end in steps of 15.
      to = stepText === undefined ? from : spec.max;
    }
    for (let value = from; value <= to; value += step) values.add(value);
  }
  return values;
}

export function parseCron(expression: string): CronSchedule {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) throw new CronError(`a cron expression has 5 fields (minute hour day month weekday), got ${fields.length}`);
  const [minutes, hours, days, months, weekdays] = fields.map((field, index) => parseField(field, FIELDS[index]));
  if (weekdays.has(7)) weekdays.add(0);
  return { minutes, hours, days, months, weekdays, daysRestricted: fields[2] !== "*", weekdaysRestricted: fields[4] !== "*" };
}

/** Whether the schedule fires in the UTC minute that contains `at` (epoch ms). */
export function cronMatches(schedule: CronSchedule, at: number): boolean {
  const date = new Date(at);
  if (!schedule.minutes.has(date.getUTCMinutes()) || !schedule.hours.has(date.getUTCHours()) || !schedule.months.has(date.getUTCMonth() + 1)) {
    return false;
  }
  const day = schedule.days.has(date.getUTCDate());
  const weekday = schedule.weekdays.has(date.getUTCDay());
  if (schedule.daysRestricted && schedule.weekdaysRestricted) return day || weekday;
  return day && weekday;
}
