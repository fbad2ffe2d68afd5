//! The request body's idle deadline: a body that goes `body_idle_timeout`
//! without a byte is given up on, answered 408 and its connection closed.
//! actix-web bounds the time to read a request head, not a body, so without
//! this a client that stops mid-upload holds its worker slot and temp file for ever.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{BodySize, BoxBody, MessageBody};
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
pub(crate) fn bound_body<S>(
    mut request: ServiceRequest,
    service: &S,
) -> impl Future<Output = Result<ServiceResponse, actix_web::Error>> + use<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse, Error = actix_web::Error>,
{
    let idle = request
        .app_data::<web::Data<Services>>()
        .map(|services| services.body_idle_timeout);
    let Some(idle) = idle else {
        return futures::future::Either::Left(service.call(request));
    };
    let stalled = Rc::new(Cell::new(false));
    // Shared with the body so that a stalled body outlives the handler: actix-http
    // drains a *dropped* chunked body (waiting for ever on a client that stopped
    // sending), but closes the connection when the body is unread and still
    // held as the response goes out.
    let payload = Rc::new(RefCell::new(request.take_payload()));
    let body = IdleBody {
        inner: payload.clone(),
        idle,
        timer: None,
        stalled: stalled.clone(),
        done: false,
    };
    let boxed: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> = Box::pin(body);
    request.set_payload(Payload::from(boxed));
    let response = service.call(request);
    futures::future::Either::Right(async move {
        let response = response.await;
        if !stalled.get() {
            return response;
        }
        let error = ApiError::body_stalled(idle);
        let (request, _) = match response {
            Ok(response) => response.into_parts(),
            Err(_) => return Err(error.into()),
        };
        let answer: HttpResponse = error.error_response();
        let answer = answer
            .map_body(|_, body| HoldingBody {
                body,
                _stalled: payload,
            })
            .map_into_boxed_body();
        Ok(ServiceResponse::new(request, answer))
    })
}

/// The 408's body, holding the stalled request body until its last byte is
/// written: actix-http decides then whether to close, and closes only while
/// the unread request body is still held (see above).
struct HoldingBody {
    body: BoxBody,
    _stalled: Rc<RefCell<Payload>>,
}

impl MessageBody for HoldingBody {
    type Error = <BoxBody as MessageBody>::Error;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Pin::new(&mut self.body).poll_next(cx)
    }
}

/// A request body that ends with an error once no byte has come for `idle`.
/// The clock starts when the handler first asks for the body and restarts
/// with every chunk, so a slow but steady upload is never cut off.
struct IdleBody {
    inner: Rc<RefCell<Payload>>,
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
        let polled = Pin::new(&mut *this.inner.borrow_mut()).poll_next(cx);
        match polled {
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
