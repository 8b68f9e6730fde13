//! `cipherlab bench`: quick, self-contained measurements for the README's performance table.
//! `crypto` times each scheme's seal and open; `net` runs a real server and many clients on
//! loopback in one process. Every loop is bounded in count and time. The criterion benches in
//! `benches/` and the anchors in `bench/` complete the picture.

pub mod crypto;
pub mod net;

/// The median of a set of measurements (the upper middle one for an even count).
pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

/// The process's peak resident memory so far, in MB (Linux `VmHWM`); `None` elsewhere.
pub fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}
