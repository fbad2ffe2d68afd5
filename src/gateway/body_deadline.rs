//! The request body's idle deadline: a body that goes `body_idle_timeout`
//! without a byte is given up on, answered 408 and its connection closed.
//! actix-web bounds the time to read a request head, not a body, so without
//! this a client that stops mid-upload holds its worker slot and temp file for ever.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::dev::{Payload, Service, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::web::{self, Bytes};
use actix_web::{HttpMessage, HttpResponse, ResponseError};
use futures::Stream;
use tokio::time::{Instant, Sleep};

use super::{ApiError, Services};

/// Middleware (for `wrap_fn`): wraps the body in [`IdleBody`] and, if the body
/// stalled, answers 408 whatever the handler made of the broken body (a
/// multipart or JSON error would otherwise read as the client's bad syntax).
pub fn bound_body<S>(
    mut request: ServiceRequest,
    service: &S,
) -> impl Future<Output = Result<ServiceResponse, actix_web::Error>> + use<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse, Error = actix_web::Error>,
{
    let idle = request
        .app_data::<web::Data<Services>>()
        .map(|services| services.body_idle_timeout);
    let stalled = Rc::new(Cell::new(false));
    if let Some(idle) = idle {
        let body = IdleBody {
            inner: request.take_payload(),
            idle,
            timer: None,
            stalled: stalled.clone(),
            done: false,
        };
        let boxed: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> = Box::pin(body);
        request.set_payload(Payload::from(boxed));
    }
    let response = service.call(request);
    async move {
        let response = response.await;
        let Some(idle) = idle.filter(|_| stalled.get()) else {
            return response;
        };
        let error = ApiError::body_stalled(idle);
        match response {
            Ok(response) => {
                let (request, _) = response.into_parts();
                let answer: HttpResponse = error.error_response();
                Ok(ServiceResponse::new(request, answer))
            }
            Err(_) => Err(error.into()),
        }
    }
}

/// A request body that ends with an error once no byte has come for `idle`.
/// The clock starts when the handler first asks for the body and restarts
/// with every chunk, so a slow but steady upload is never cut off.
struct IdleBody {
    inner: Payload,
    idle: Duration,
    timer: Option<Pin<Box<Sleep>>>,
    stalled: Rc<Cell<bool>>,
    done: bool,
}

impl Stream for IdleBody {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(Some(item)) => {
                if let Some(timer) = this.timer.as_mut() {
                    timer.as_mut().reset(Instant::now() + this.idle);
                }
                Poll::Ready(Some(item))
            }
            Poll::Ready(None) => {
                this.done = true;
                Poll::Ready(None)
            }
            Poll::Pending => {
                let idle = this.idle;
                let timer = this
                    .timer
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(idle)));
                match timer.as_mut().poll(cx) {
                    Poll::Ready(()) => {
                        this.done = true;
                        this.stalled.set(true);
                        Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                            std::io::ErrorKind::TimedOut,
                            "the request body stopped arriving",
                        )))))
                    }
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}
