//! Every message and reply crosses a serialisation boundary unchanged: the
//! condition for moving a concern to its own process with only a new transport.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Debug;
use std::time::Duration;

use folio::auth::{AuthError, messages as auth};
use folio::media::{MediaError, messages as media};
use folio::posts::{PostsError, messages as posts};
use folio::runtime::{Call, CallMeta, ConcernMessage, ConcernName, Failure};
use serde::Serialize;
use serde::de::DeserializeOwned;

fn round_trips<T: Serialize + DeserializeOwned + PartialEq + Debug>(value: T) {
    let json = serde_json::to_string(&value).unwrap();
    let back: T = serde_json::from_str(&json).unwrap();
    assert_eq!(back, value, "{json}");
}

/// A message, wrapped in its envelope, and one of its replies.
fn message_round_trips<M>(msg: M, reply: M::Reply)
where
    M: ConcernMessage + PartialEq + Clone,
    M::Reply: PartialEq + Debug,
{
    let call = Call {
        msg: msg.clone(),
        meta: CallMeta::new("req-1", Duration::from_millis(1500)),
    };
    let json = serde_json::to_string(&call).unwrap();
    let back: Call<M> = serde_json::from_str(&json).unwrap();
    assert_eq!(back.msg, msg);
    assert_eq!(back.meta.request_id, "req-1");
    assert_eq!(back.meta.budget, Duration::from_millis(1500));
    round_trips(reply);
}

#[test]
fn every_message_and_reply_round_trips_through_serde() {
    message_round_trips(auth::Stats, auth::AuthStats { users: 3 });
    message_round_trips(
        posts::Stats,
        posts::PostsStats {
            posts: 5,
            published: 2,
        },
    );
    message_round_trips(media::Stats, media::MediaStats { media: 7 });
}

#[test]
fn every_error_round_trips_through_serde() {
    let failures = ConcernName::ALL.into_iter().flat_map(|concern| {
        [
            Failure::Crashed { concern },
            Failure::Unavailable {
                concern,
                retry_after_secs: 12,
            },
            Failure::Timeout {
                concern,
                timeout_ms: 5000,
            },
            Failure::Busy { concern },
            Failure::Injected { concern },
        ]
    });
    for failure in failures {
        round_trips(failure.clone());
        round_trips(AuthError::Runtime(failure.clone()));
        round_trips(PostsError::Runtime(failure.clone()));
        round_trips(MediaError::Runtime(failure));
    }
    round_trips(AuthError::Unexpected("disk full".into()));
    round_trips(PostsError::Unexpected("disk full".into()));
    round_trips(MediaError::Unexpected("disk full".into()));
}
