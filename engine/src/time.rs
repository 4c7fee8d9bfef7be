//! Virtual time. The simulation never reads a clock: time is a number of
//! milliseconds since the cluster started, and only `Simulation` moves it.

use std::fmt;

/// When the simulated cluster was created, as wall-clock time in its objects'
/// timestamps. Fixed so that runs are replayable.
pub const EPOCH_UNIX_SECONDS: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

/// A point in virtual time: milliseconds since the cluster started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

/// A span of virtual time in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration(pub u64);

impl SimDuration {
    pub const ZERO: SimDuration = SimDuration(0);

    pub const fn from_millis(ms: u64) -> Self {
        SimDuration(ms)
    }

    pub const fn from_secs(s: u64) -> Self {
        SimDuration(s * 1000)
    }

    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// Parses durations as a learner types them: `30s`, `2m`, `1h`, `1m30s`, `500ms`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let invalid = || {
            format!(
                "invalid duration {text:?}: use a number with a unit, like 30s, 2m, 1h or 500ms"
            )
        };
        if text.is_empty() {
            return Err(invalid());
        }
        let mut total: u64 = 0;
        let mut rest = text;
        while !rest.is_empty() {
            let digits = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            if digits == 0 {
                return Err(invalid());
            }
            let number: u64 = rest[..digits].parse().map_err(|_| invalid())?;
            rest = &rest[digits..];
            let unit_len = rest
                .find(|c: char| c.is_ascii_digit())
                .unwrap_or(rest.len());
            let factor = match &rest[..unit_len] {
                "ms" => 1,
                "s" => 1_000,
                "m" => 60_000,
                "h" => 3_600_000,
                "d" => 86_400_000,
                _ => return Err(invalid()),
            };
            rest = &rest[unit_len..];
            total = number
                .checked_mul(factor)
                .and_then(|ms| total.checked_add(ms))
                .ok_or_else(invalid)?;
        }
        Ok(SimDuration(total))
    }
}

impl SimTime {
    pub fn plus(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }

    pub fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }

    /// The wall-clock timestamp this virtual instant stands for.
    pub fn to_k8s(self) -> k8s_openapi::apimachinery::pkg::apis::meta::v1::Time {
        let seconds = EPOCH_UNIX_SECONDS + (self.0 / 1000) as i64;
        let nanos = ((self.0 % 1000) * 1_000_000) as i32;
        let ts = k8s_openapi::jiff::Timestamp::new(seconds, nanos)
            .expect("virtual time stays within jiff's range");
        k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(ts)
    }

    /// The virtual instant a stored timestamp stands for (0 if it predates the cluster).
    pub fn from_k8s(time: &k8s_openapi::apimachinery::pkg::apis::meta::v1::Time) -> SimTime {
        let ms = time.0.as_millisecond() - EPOCH_UNIX_SECONDS * 1000;
        SimTime(ms.max(0) as u64)
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0;
        write!(f, "{}.{:03}s", ms / 1000, ms % 1000)
    }
}

/// kubectl's AGE column: `HumanDuration` from k8s.io/apimachinery/pkg/util/duration.
pub fn human_duration(d: SimDuration) -> String {
    let seconds = (d.0 / 1000) as i64;
    if seconds < 0 {
        return "<invalid>".to_string();
    }
    if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        if s == 0 {
            return format!("{minutes}m");
        }
        return format!("{minutes}m{s}s");
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = minutes / 60;
    if hours < 8 {
        let m = minutes % 60;
        if m == 0 {
            return format!("{hours}h");
        }
        return format!("{hours}h{m}m");
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        if h == 0 {
            return format!("{}d", hours / 24);
        }
        return format!("{}d{}h", hours / 24, h);
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        if dy == 0 {
            return format!("{}y", hours / 24 / 365);
        }
        return format!("{}y{}d", hours / 24 / 365, dy);
    }
    format!("{}y", hours / 24 / 365)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_units_learners_type() {
        assert_eq!(SimDuration::parse("30s"), Ok(SimDuration::from_secs(30)));
        assert_eq!(SimDuration::parse("2m"), Ok(SimDuration::from_secs(120)));
        assert_eq!(SimDuration::parse("1h"), Ok(SimDuration::from_secs(3600)));
        assert_eq!(SimDuration::parse("1m30s"), Ok(SimDuration::from_secs(90)));
        assert_eq!(
            SimDuration::parse("250ms"),
            Ok(SimDuration::from_millis(250))
        );
        assert!(SimDuration::parse("").is_err());
        assert!(SimDuration::parse("10").is_err());
        assert!(SimDuration::parse("s").is_err());
        assert!(SimDuration::parse("5x").is_err());
        assert!(SimDuration::parse("99999999999999999999h").is_err());
    }

    #[test]
    fn ages_read_like_kubectl() {
        let cases = [
            (5, "5s"),
            (119, "119s"),
            (120, "2m"),
            (150, "2m30s"),
            (600, "10m"),
            (3 * 3600, "3h"),
            (3 * 3600 + 60 * 5, "3h5m"),
            (8 * 3600, "8h"),
            (50 * 3600, "2d2h"),
            (10 * 86400, "10d"),
        ];
        for (secs, want) in cases {
            assert_eq!(
                human_duration(SimDuration::from_secs(secs)),
                want,
                "{secs}s"
            );
        }
    }

    #[test]
    fn timestamps_round_trip() {
        let t = SimTime(61_500);
        assert_eq!(SimTime::from_k8s(&t.to_k8s()), t);
    }
}
