//! Cron schedules as CronJobs write them (robfig/cron's standard parser:
//! five fields, `*`, `*/n`, `a-b`, `a-b/n`, lists, month and weekday names,
//! and the @hourly family), evaluated on virtual time in UTC.

use crate::time::{SimTime, EPOCH_UNIX_SECONDS};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    minutes: Vec<bool>,
    hours: Vec<bool>,
    days: Vec<bool>,
    months: Vec<bool>,
    weekdays: Vec<bool>,
    /// Whether day-of-month and day-of-week were both restricted (then either may match).
    day_or_weekday: bool,
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const WEEKDAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

fn field(
    text: &str,
    min: u32,
    max: u32,
    names: &[&str],
    what: &str,
) -> Result<(Vec<bool>, bool), String> {
    let mut set = vec![false; (max + 1) as usize];
    let mut restricted = true;
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (
                r,
                s.parse::<u32>()
                    .map_err(|_| format!("invalid step in {what}: {part:?}"))?,
            ),
            None => (part, 1),
        };
        if step == 0 {
            return Err(format!("step of zero in {what}: {part:?}"));
        }
        let value = |v: &str| -> Result<u32, String> {
            let lower = v.to_ascii_lowercase();
            if let Some(i) = names.iter().position(|n| *n == lower) {
                return Ok(i as u32 + min);
            }
            v.parse::<u32>()
                .map_err(|_| format!("failed to parse int from {v}: {what} field {text:?}"))
        };
        let (lo, hi) = if range == "*" || range == "?" {
            if part == "*" || part == "?" {
                restricted = false;
            }
            (min, max)
        } else if let Some((a, b)) = range.split_once('-') {
            (value(a)?, value(b)?)
        } else {
            let v = value(range)?;
            (v, if part.contains('/') { max } else { v })
        };
        // Sunday may be written 7.
        let (lo, hi) = if what == "day of week" && hi == 7 {
            (lo.min(6), 6)
        } else {
            (lo, hi)
        };
        if lo > hi {
            return Err(format!(
                "beginning of range ({lo}) beyond end of range ({hi}): {part}"
            ));
        }
        if lo < min || hi > max {
            return Err(format!("{what} out of range [{min}, {max}]: {part}"));
        }
        let mut v = lo;
        while v <= hi {
            set[v as usize] = true;
            v += step;
        }
    }
    Ok((set, restricted))
}

impl Schedule {
    pub fn parse(text: &str) -> Result<Schedule, String> {
        let text = text.trim();
        let expanded = match text {
            "@yearly" | "@annually" => "0 0 1 1 *",
            "@monthly" => "0 0 1 * *",
            "@weekly" => "0 0 * * 0",
            "@daily" | "@midnight" => "0 0 * * *",
            "@hourly" => "0 * * * *",
            other => other,
        };
        let fields: Vec<&str> = expanded.split_whitespace().collect();
        if fields.len() != 5 {
            return Err(format!(
                "expected exactly 5 fields, found {}: {text:?}",
                fields.len()
            ));
        }
        let (minutes, _) = field(fields[0], 0, 59, &[], "minute")?;
        let (hours, _) = field(fields[1], 0, 23, &[], "hour")?;
        let (days, days_restricted) = field(fields[2], 1, 31, &[], "day of month")?;
        let (months, _) = field(fields[3], 1, 12, &MONTHS, "month")?;
        let (weekdays, weekdays_restricted) = field(fields[4], 0, 6, &WEEKDAYS, "day of week")?;
        Ok(Schedule {
            minutes,
            hours,
            days,
            months,
            weekdays,
            day_or_weekday: days_restricted && weekdays_restricted,
        })
    }

    fn matches(&self, minute_index: i64) -> bool {
        let seconds = EPOCH_UNIX_SECONDS + minute_index * 60;
        let Ok(ts) = k8s_openapi::jiff::Timestamp::from_second(seconds) else {
            return false;
        };
        let dt = ts.to_zoned(k8s_openapi::jiff::tz::TimeZone::UTC).datetime();
        let day_ok = self.days[dt.day() as usize];
        let weekday_ok = self.weekdays[dt.weekday().to_sunday_zero_offset() as usize];
        let day = if self.day_or_weekday {
            day_ok || weekday_ok
        } else {
            day_ok && weekday_ok
        };
        self.minutes[dt.minute() as usize]
            && self.hours[dt.hour() as usize]
            && self.months[dt.month() as usize]
            && day
    }

    /// The first scheduled time strictly after `after` (within four years).
    pub fn next_after(&self, after: SimTime) -> Option<SimTime> {
        let start = (after.0 / 60_000) as i64 + 1;
        (start..start + 4 * 366 * 24 * 60)
            .find(|m| self.matches(*m))
            .map(|m| SimTime(m as u64 * 60_000))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules() {
        let every_minute = Schedule::parse("* * * * *").unwrap();
        assert_eq!(every_minute.next_after(SimTime(0)), Some(SimTime(60_000)));
        assert_eq!(
            every_minute.next_after(SimTime(61_000)),
            Some(SimTime(120_000))
        );
        let five = Schedule::parse("*/5 * * * *").unwrap();
        assert_eq!(five.next_after(SimTime(0)), Some(SimTime(5 * 60_000)));
        let hourly = Schedule::parse("@hourly").unwrap();
        assert_eq!(hourly.next_after(SimTime(0)), Some(SimTime(3_600_000)));
        // 2026-01-01 is a Thursday: the next Monday 09:00 is 2026-01-05.
        let monday = Schedule::parse("0 9 * * mon").unwrap();
        assert_eq!(
            monday.next_after(SimTime(0)),
            Some(SimTime((4 * 24 + 9) * 3_600_000))
        );
        assert!(Schedule::parse("* * *").is_err());
        assert!(Schedule::parse("61 * * * *").is_err());
        assert!(Schedule::parse("*/0 * * * *").is_err());
    }
}
