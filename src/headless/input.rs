//! Where a headless client's messages come from: `--message` flags, or stdin line by line.
//! Lines are bytes (not necessarily UTF-8) and bounded by the frame limit; an overlong line is
//! skipped with an error and reading carries on at the next line.

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::mpsc;

/// One input line: a message, or why a line was skipped.
pub(super) type Line = Result<Bytes, String>;

/// Starts feeding messages: the given ones, or when there are none, stdin's lines until EOF.
pub(super) fn feed(messages: Vec<String>, max_line: usize) -> mpsc::Receiver<Line> {
    let (tx, rx) = mpsc::channel(64);
    if messages.is_empty() {
        tokio::spawn(read_lines(tokio::io::stdin(), max_line, tx));
    } else {
        tokio::spawn(async move {
            for message in messages {
                if tx.send(Ok(Bytes::from(message))).await.is_err() {
                    break;
                }
            }
        });
    }
    rx
}

/// Splits `input` into lines without `\n` (or `\r\n`), sending each; bounded memory.
pub(super) async fn read_lines(
    mut input: impl AsyncRead + Unpin,
    max_line: usize,
    tx: mpsc::Sender<Line>,
) {
    let mut buf = BytesMut::with_capacity(8 * 1024);
    let mut discarding = false;
    loop {
        while let Some(end) = buf.iter().position(|&b| b == b'\n') {
            let mut line = buf.split_to(end + 1);
            line.truncate(end);
            if line.last() == Some(&b'\r') {
                line.truncate(end - 1);
            }
            let too_long = std::mem::take(&mut discarding) || line.len() > max_line;
            let item = if too_long {
                Err(format!("stdin line longer than {max_line} bytes: skipped"))
            } else {
                Ok(line.freeze())
            };
            if tx.send(item).await.is_err() {
                return;
            }
        }
        if buf.len() > max_line {
            discarding = true;
            buf.clear();
        }
        buf.reserve(8 * 1024);
        match input.read_buf(&mut buf).await {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                let _ = tx.send(Err(format!("cannot read stdin: {e}"))).await;
                return;
            }
        }
    }
    // A last line without a newline still counts.
    if discarding {
        let _ = tx
            .send(Err(format!(
                "stdin line longer than {max_line} bytes: skipped"
            )))
            .await;
    } else if !buf.is_empty() {
        let _ = tx.send(Ok(buf.freeze())).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn lines(input: &'static [u8], max: usize) -> Vec<Line> {
        let (tx, mut rx) = mpsc::channel(64);
        read_lines(input, max, tx).await;
        let mut out = vec![];
        while let Some(line) = rx.recv().await {
            out.push(line);
        }
        out
    }

    #[tokio::test]
    async fn splits_lines_and_keeps_a_final_unterminated_one() {
        let got = lines(b"one\r\ntwo\n\xffbinary", 100).await;
        assert_eq!(
            got,
            vec![
                Ok(Bytes::from("one")),
                Ok(Bytes::from("two")),
                Ok(Bytes::from_static(b"\xffbinary"))
            ]
        );
    }

    #[tokio::test]
    async fn an_overlong_line_is_skipped_and_reading_goes_on() {
        let got = lines(b"short\nthis line is far too long\nnext\n", 8).await;
        assert_eq!(got[0], Ok(Bytes::from("short")));
        assert!(
            matches!(&got[1], Err(m) if m.contains("longer than 8 bytes")),
            "{got:?}"
        );
        assert_eq!(got[2], Ok(Bytes::from("next")));
        assert_eq!(got.len(), 3);
    }
}
