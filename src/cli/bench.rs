//! `cipherlab bench`'s arguments: the crypto timings and the network load.

use clap::{Args, Subcommand};

use crate::crypto::Scheme;

/// `cipherlab bench`.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Seal and open throughput per scheme: MB/s at 1 MiB, operations/s at 64 B.
    Crypto {
        /// One JSON object instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// A headless server and many clients on 127.0.0.1 (in this process, or --clients-apart).
    Net(BenchNetArgs),
}

/// `cipherlab bench net`.
#[derive(Debug, Args)]
pub struct BenchNetArgs {
    /// The scheme.
    #[arg(long, value_enum, default_value_t = Scheme::Fernet)]
    pub scheme: Scheme,
    /// Concurrent clients.
    #[arg(long, default_value_t = 100, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=10_000))]
    pub clients: usize,
    /// Messages per client (each waits for its verdict before the next).
    #[arg(long, default_value_t = 1000, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1_000_000))]
    pub messages: usize,
    /// Plaintext bytes per message.
    #[arg(long, default_value_t = 64, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(0..=16 * 1024 * 1024))]
    pub size: usize,
    /// One JSON object (msgs_per_sec, p50_ms, p99_ms, max_ms, errors, peak_rss_mb, ...).
    #[arg(long)]
    pub json: bool,
    /// Serve with a bare tokio echo of the same frames instead of the lab server: no crypto,
    /// no events, each DATA answered `authentic` unopened. The floor the lab server is
    /// measured against in the same run.
    #[arg(long)]
    pub floor: bool,
    /// Run the clients in a process of their own, as a classroom's are: each process then
    /// holds one end of each connection (10,000 clients need it where a process may hold
    /// 20,000 open files).
    #[arg(long)]
    pub clients_apart: bool,
    /// Only run the clients, against this address, with the key from CIPHERLAB_BENCH_KEY: the
    /// process --clients-apart starts.
    #[arg(long, value_name = "ADDR", hide = true, conflicts_with_all = ["floor", "clients_apart"])]
    pub load_only: Option<std::net::SocketAddr>,
}
