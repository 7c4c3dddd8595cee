//! `taildb serve`: open the engine, listen, shut down gracefully.
//!
//! Invariants:
//! 1. The listener is bound only after the engine opened (WAL replayed): once "listening on" is
//!    logged, writes and queries work.
//! 2. Engine open and close (disk IO, WAL replay and sync) run on blocking threads, never on the async
//!    executor.
//! 3. On SIGTERM or SIGINT the server stops accepting, lets in-flight requests finish, then closes the
//!    engine (which syncs the WAL) before the process exits.
//! 4. The continuous-query service starts after the engine opened and stops (its running pass
//!    finished) before the engine closes.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;
use tsdb::Engine;

use crate::config::Config;

/// Runs the server until SIGTERM/SIGINT.
pub fn run(config: Config) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("taildb-http")
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(config, shutdown_signal(), |_| {}))
}

/// Opens the engine, binds, calls `on_listening` with the bound address, serves until `shutdown`
/// completes, then drains requests and closes the engine.
pub async fn serve(
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
    on_listening: impl FnOnce(SocketAddr),
) -> anyhow::Result<()> {
    let engine = open_engine(&config).await?;
    let listener = match TcpListener::bind(&config.http.bind).await {
        Ok(l) => l,
        Err(e) => {
            close_engine(engine).await?;
            return Err(e).with_context(|| format!("cannot listen on {}", config.http.bind));
        }
    };
    let addr = listener
        .local_addr()
        .context("bound socket has no local address")?;
    if addr.ip().is_unspecified() && !config.http.auth_enabled {
        tracing::warn!(
            "listening on all interfaces ({addr}) without authentication: anyone who can reach this port can read and write every database"
        );
    }
    if config.http.auth_enabled {
        tracing::info!("authentication enabled (docs/auth.md)");
    }
    tracing::info!("listening on http://{addr}");
    on_listening(addr);

    let cq = start_continuous_queries(&engine, &config).await?;
    let auth = query::auth::Auth::new(config.auth_config(), Arc::clone(&engine) as _);
    let app = crate::app::router(Arc::clone(&engine), config.write_config(), {
        let (manager, limits) = config.query_config();
        query::http::QueryConfig {
            manager,
            limits,
            continuous_queries: Some(Arc::clone(&cq)),
            auth: Some(auth),
        }
    });
    // The peer address feeds the failed-login limiter (`query::auth`).
    let app = app.into_make_service_with_connect_info::<SocketAddr>();
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    tracing::info!("stopped accepting requests; stopping continuous queries, closing the engine");
    {
        let cq = Arc::clone(&cq);
        tokio::task::spawn_blocking(move || cq.stop())
            .await
            .context("continuous-query stop task failed")?;
    }
    close_engine(engine).await?;
    served.context("http server failed")?;
    tracing::info!("shutdown complete");
    Ok(())
}

async fn open_engine(config: &Config) -> anyhow::Result<Arc<Engine>> {
    let engine_config = config.engine_config();
    let dir = engine_config.data_dir.clone();
    tracing::info!(data_dir = %dir.display(), "opening the engine");
    tokio::task::spawn_blocking(move || {
        std::fs::create_dir_all(&engine_config.data_dir).with_context(|| {
            format!(
                "cannot create the data directory {}",
                engine_config.data_dir.display()
            )
        })?;
        Engine::open(engine_config)
            .with_context(|| format!("cannot open the data directory {}", dir.display()))
    })
    .await
    .context("engine open task failed")?
}

/// The continuous-query service over the opened engine; its scheduler thread runs when
/// `[continuous_queries] enabled` (the service exists either way: statements reach it).
async fn start_continuous_queries(
    engine: &Arc<Engine>,
    config: &Config,
) -> anyhow::Result<Arc<query::cq::ContinuousQueryService>> {
    let service = query::cq::ContinuousQueryService::new(
        Arc::clone(engine),
        Arc::new(query::cq::SystemClock),
        config.continuous_queries_config(),
    );
    if config.continuous_queries.enabled {
        let s = Arc::clone(&service);
        tokio::task::spawn_blocking(move || s.start())
            .await
            .context("continuous-query start task failed")?
            .context("cannot start the continuous-query thread")?;
    }
    Ok(service)
}

async fn close_engine(engine: Arc<Engine>) -> anyhow::Result<()> {
    tokio::task::spawn_blocking(move || engine.close())
        .await
        .context("engine close task failed")?
        .context("closing the engine failed")
}

/// Completes on the first SIGTERM or SIGINT (Ctrl-C).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!("cannot listen for SIGINT: {e}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("received SIGINT"),
        () = terminate => tracing::info!("received SIGTERM"),
    }
}
