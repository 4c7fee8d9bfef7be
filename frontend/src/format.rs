//! Small display helpers: how numbers and statuses look on the page.

/// Virtual time in milliseconds as a short clock, e.g. `1m05.200s` or `12.000s`.
pub fn clock(ms: u64) -> String {
    let minutes = ms / 60_000;
    let seconds = (ms % 60_000) / 1000;
    let millis = ms % 1000;
    if minutes > 0 {
        format!("{minutes}m{seconds:02}.{millis:03}s")
    } else {
        format!("{seconds}.{millis:03}s")
    }
}

/// CPU in millicores as kubectl writes quantities: `250m`, `2`.
pub fn cpu(milli: u64) -> String {
    if milli % 1000 == 0 {
        format!("{}", milli / 1000)
    } else {
        format!("{milli}m")
    }
}

/// Memory in bytes with a binary suffix: `128Mi`, `7.5Gi`.
pub fn memory(bytes: u64) -> String {
    const KI: u64 = 1024;
    const MI: u64 = KI * 1024;
    const GI: u64 = MI * 1024;
    if bytes >= GI {
        let tenths = bytes * 10 / GI;
        if tenths % 10 == 0 {
            format!("{}Gi", tenths / 10)
        } else {
            format!("{}.{}Gi", tenths / 10, tenths % 10)
        }
    } else if bytes >= MI {
        format!("{}Mi", bytes / MI)
    } else if bytes >= KI {
        format!("{}Ki", bytes / KI)
    } else {
        format!("{bytes}")
    }
}

/// Percentage of `used` in `total`, clamped to 0..=100 (0 when total is 0).
pub fn percent(used: u64, total: u64) -> u64 {
    if total == 0 {
        0
    } else {
        (used.saturating_mul(100) / total).min(100)
    }
}

/// The colour family of a pod STATUS string as kubectl prints it.
pub fn status_tone(status: &str) -> &'static str {
    match status {
        "Running" => "ok",
        "Completed" | "Succeeded" => "done",
        "Pending" | "ContainerCreating" | "PodInitializing" => "wait",
        "Terminating" => "gone",
        s if s.starts_with("Init:") => "wait",
        "CrashLoopBackOff"
        | "Error"
        | "ErrImagePull"
        | "ImagePullBackOff"
        | "OOMKilled"
        | "Failed"
        | "Evicted"
        | "CreateContainerConfigError"
        | "InvalidImageName" => "bad",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks() {
        assert_eq!(clock(0), "0.000s");
        assert_eq!(clock(12_345), "12.345s");
        assert_eq!(clock(65_200), "1m05.200s");
    }

    #[test]
    fn quantities() {
        assert_eq!(cpu(250), "250m");
        assert_eq!(cpu(2000), "2");
        assert_eq!(memory(128 * 1024 * 1024), "128Mi");
        assert_eq!(memory(8 * 1024 * 1024 * 1024), "8Gi");
        assert_eq!(memory(7 * 1024 * 1024 * 1024 + 512 * 1024 * 1024), "7.5Gi");
        assert_eq!(percent(1, 0), 0);
        assert_eq!(percent(500, 1000), 50);
        assert_eq!(percent(5000, 1000), 100);
    }

    #[test]
    fn tones() {
        assert_eq!(status_tone("Running"), "ok");
        assert_eq!(status_tone("ContainerCreating"), "wait");
        assert_eq!(status_tone("CrashLoopBackOff"), "bad");
        assert_eq!(status_tone("Init:0/1"), "wait");
        assert_eq!(status_tone("Whatever"), "other");
    }
}
