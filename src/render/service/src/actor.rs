//! The render concern's actor and the handler of every message it answers.

use std::sync::Arc;

use futures::future::LocalBoxFuture;

use super::RenderError;
use super::markdown::{self, MAX_NESTING, Renderer};
use super::messages::{Render as RenderMarkdown, RenderProtocol, RenderStats, Rendered, Stats};
use folio_runtime::{Caller, Concern, ConcernName, CpuPool, Handles};

#[derive(Clone)]
pub struct RenderDeps {
    pub renderer: Arc<Renderer>,
    /// Rendering is CPU work: it runs here, never on an async worker.
    pub pool: CpuPool,
    pub max_bytes: usize,
}

pub struct Render {
    deps: RenderDeps,
}

impl Concern for Render {
    const NAME: ConcernName = ConcernName::Render;
    type Protocol = RenderProtocol;
    type Deps = RenderDeps;

    fn start(deps: &RenderDeps) -> Self {
        Self { deps: deps.clone() }
    }
}

folio_runtime::concern_dispatch!(Render {
    RenderMarkdown,
    Stats
});

/// Excerpts taken from the first paragraph stop here.
const EXCERPT_CHARS: usize = 300;

impl Handles<RenderMarkdown> for Render {
    fn handle(
        &mut self,
        msg: RenderMarkdown,
        _: &Caller,
    ) -> LocalBoxFuture<'static, Result<Rendered, RenderError>> {
        let deps = self.deps.clone();
        Box::pin(async move {
            let size = msg.markdown.len();
            if size > deps.max_bytes {
                return Err(RenderError::TooLarge {
                    size,
                    max: deps.max_bytes,
                });
            }
            let renderer = deps.renderer.clone();
            deps.pool
                .run(move || {
                    if markdown::nesting_depth(&msg.markdown) > MAX_NESTING {
                        return Err(RenderError::TooDeep { max: MAX_NESTING });
                    }
                    let html = markdown::to_html(&renderer, &msg.markdown);
                    let excerpt = markdown::first_paragraph(&html, EXCERPT_CHARS);
                    let media = folio_render_protocol::html::media_ids(&html);
                    Ok(Rendered {
                        html,
                        excerpt,
                        media,
                    })
                })
                .await?
        })
    }
}

impl Handles<Stats> for Render {
    fn handle(
        &mut self,
        _: Stats,
        _: &Caller,
    ) -> LocalBoxFuture<'static, Result<RenderStats, RenderError>> {
        let pool_load = self.deps.pool.load();
        Box::pin(async move { Ok(RenderStats { pool_load }) })
    }
}
