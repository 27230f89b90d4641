//! Connections for the HTTP server: plain TCP, or TLS with each handshake on its own task (a
//! slow or hostile client cannot hold up the others), both handed to axum through one
//! [`axum::serve::Listener`].

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// Longest a TLS handshake may take.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// A connection, plain or TLS.
pub trait WebIo: AsyncRead + AsyncWrite + Send + Unpin + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> WebIo for T {}

/// Accepted connections, ready for HTTP.
pub struct WebListener {
    local: SocketAddr,
    incoming: mpsc::Receiver<(Box<dyn WebIo>, SocketAddr)>,
}

impl WebListener {
    /// Starts accepting on `tcp`; with `tls`, only connections whose handshake succeeded come
    /// through.
    pub fn start(tcp: TcpListener, tls: Option<Arc<rustls::ServerConfig>>) -> Self {
        let local = tcp
            .local_addr()
            .unwrap_or_else(|_| ([0, 0, 0, 0], 0).into());
        let (tx, incoming) = mpsc::channel::<(Box<dyn WebIo>, SocketAddr)>(64);
        let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
        tokio::spawn(async move {
            loop {
                let (stream, peer) = match tcp.accept().await {
                    Ok(c) => c,
                    Err(e) => {
                        // Out of descriptors and the like: wait, do not spin.
                        log::warn!("dispatch web: cannot accept a connection: {e}");
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                match &acceptor {
                    None => {
                        if tx.send((Box::new(stream), peer)).await.is_err() {
                            return;
                        }
                    }
                    Some(acceptor) => {
                        let acceptor = acceptor.clone();
                        let tx = tx.clone();
                        tokio::spawn(async move {
                            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream))
                                .await
                            {
                                Ok(Ok(tls)) => {
                                    let _ = tx.send((Box::new(tls), peer)).await;
                                }
                                Ok(Err(e)) => {
                                    log::info!(
                                        "dispatch web: TLS handshake with {peer} failed: {e}"
                                    )
                                }
                                Err(_) => {
                                    log::info!("dispatch web: TLS handshake with {peer} timed out")
                                }
                            }
                        });
                    }
                }
                if tx.is_closed() {
                    return;
                }
            }
        });
        Self { local, incoming }
    }
}

impl Listener for WebListener {
    type Io = Box<dyn WebIo>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.incoming.recv().await {
            Some(c) => c,
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}

/// The client's address, for the login brake.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub SocketAddr);

impl Connected<IncomingStream<'_, WebListener>> for ClientAddr {
    fn connect_info(stream: IncomingStream<'_, WebListener>) -> Self {
        ClientAddr(*stream.remote_addr())
    }
}
