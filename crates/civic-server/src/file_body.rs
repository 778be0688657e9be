//! A response body read from an open file a piece at a time, so that a
//! large download (a redacted document, its log) is never held in memory.

use axum::body::Body;
use tokio::io::AsyncReadExt as _;

/// The bytes of `file`, 64 KiB at a time. `keep` lives as long as the body
/// (until it is sent, or the client goes away): what the file must outlive,
/// such as the temporary directory it is in.
pub fn file_body<K: Send + 'static>(file: tokio::fs::File, keep: K) -> Body {
    let chunks = futures_util::stream::unfold((file, keep), |(mut file, keep)| async move {
        let mut buf = vec![0u8; 64 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok::<_, std::io::Error>(buf), (file, keep)))
            }
            Err(e) => Some((Err(e), (file, keep))),
        }
    });
    Body::from_stream(chunks)
}
