//! Files that must be refused whole, with a message a user can act on,
//! before anything is written: the applier runs `check` first.

#![allow(clippy::unwrap_used)]

use std::fs::File;
use std::io::{BufReader, Cursor, Read};

use folio_import::{ImportError, Limits, NoMedia, ghost, wordpress};

fn check_fixture(name: &str) -> ImportError {
    let file = File::open(format!("tests/fixtures/hostile/{name}")).unwrap();
    wordpress::check(BufReader::new(file), Limits::default()).unwrap_err()
}

fn check_str(xml: &str, limits: Limits) -> ImportError {
    wordpress::check(Cursor::new(xml.as_bytes()), limits).unwrap_err()
}

const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
<wp:wxr_version>1.2</wp:wxr_version>
"#;

#[test]
fn a_billion_laughs_doctype_is_refused_before_any_entity_is_expanded() {
    let err = check_fixture("billion-laughs.wxr");
    assert!(matches!(err, ImportError::Doctype { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "line 2, byte 39: the file declares a DOCTYPE; WordPress exports never do, and it is \
         refused so that no entity can be expanded or fetched"
    );
}

#[test]
fn an_external_entity_is_refused_and_nothing_is_fetched() {
    let err = check_fixture("external-entity.wxr");
    assert!(matches!(err, ImportError::Doctype { .. }), "{err:?}");
}

#[test]
fn an_undeclared_entity_is_refused_rather_than_guessed() {
    let err = check_fixture("undeclared-entity.wxr");
    assert_eq!(
        err.to_string(),
        "line 6, byte 358: the entity reference `&nbsp;` is refused; only XML's five (&amp; \
         &lt; &gt; &quot; &apos;) and numeric character references are allowed"
    );
}

#[test]
fn broken_xml_is_refused_with_its_line() {
    let err = check_fixture("broken.wxr");
    assert!(matches!(err, ImportError::Malformed { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "line 20, byte 839: the file is not well-formed XML: ill-formed document: expected \
         `</item>`, but `</channel>` was found"
    );
}

#[test]
fn a_file_cut_short_is_refused() {
    let xml = format!("{HEAD}<item><title>Half");
    let err = check_str(&xml, Limits::default());
    assert!(matches!(err, ImportError::Malformed { .. }), "{err:?}");
}

#[test]
fn invalid_utf8_is_refused_with_the_line_it_is_on() {
    let err = check_fixture("invalid-utf8.wxr");
    let ImportError::InvalidUtf8 { at } = err else {
        panic!("{err:?}")
    };
    assert_eq!(at.line, 18);
}

#[test]
fn duplicate_post_ids_are_refused() {
    let err = check_fixture("duplicate-ids.wxr");
    assert_eq!(
        err.to_string(),
        "line 30, byte 1228: the id 7 is used by two entries; the export is inconsistent"
    );
}

#[test]
fn an_attachment_path_leaving_the_uploads_folder_is_refused() {
    let err = check_fixture("unsafe-path.wxr");
    assert_eq!(
        err.to_string(),
        "line 18, byte 781: attachment 2 has the file path \"2024/../../../etc/cron.d/evil\", \
         which is absolute or leaves the uploads folder (`..`, backslash); refused"
    );
    for path in ["/etc/passwd", "2024\\01\\a.jpg"] {
        let xml = format!(
            "{HEAD}<item><wp:post_id>3</wp:post_id><wp:post_type>attachment</wp:post_type>\
             <wp:postmeta><wp:meta_key>_wp_attached_file</wp:meta_key>\
             <wp:meta_value>{path}</wp:meta_value></wp:postmeta></item></channel></rss>"
        );
        let err = check_str(&xml, Limits::default());
        assert!(
            matches!(err, ImportError::UnsafePath { .. }),
            "{path}: {err:?}"
        );
    }
}

#[test]
fn files_that_are_not_wxr_are_refused_as_such() {
    assert_eq!(
        check_fixture("not-wxr.xml").to_string(),
        "this is not a WordPress export (WXR): it has no <wp:wxr_version> before its first entry"
    );
    assert_eq!(
        check_fixture("atom.xml").to_string(),
        "this is not a WordPress export (WXR): its root element is <feed>, not <rss>"
    );
    let err = check_str("just some text", Limits::default());
    assert!(matches!(err, ImportError::NotWxr { .. }), "{err:?}");
    let err = check_str(
        &HEAD.replace("<wp:wxr_version>1.2", "<wp:wxr_version>2.0"),
        Limits::default(),
    );
    assert!(err.to_string().contains("WXR version \"2.0\""), "{err}");
}

#[test]
fn a_field_over_the_limit_is_refused_naming_the_field() {
    let limits = Limits::default();
    let big = "x".repeat(limits.max_field_bytes + 1);
    let xml = format!(
        "{HEAD}<item><wp:post_id>1</wp:post_id>\
         <content:encoded><![CDATA[{big}]]></content:encoded></item></channel></rss>"
    );
    let err = check_str(&xml, limits);
    let ImportError::FieldTooLarge { field, limit, at } = err else {
        panic!("{err:?}")
    };
    assert_eq!(
        (field.as_str(), limit),
        ("content:encoded", 8 * 1024 * 1024)
    );
    assert_eq!(at.line, 5);
}

#[test]
fn an_endless_cdata_section_is_refused_at_the_limit_without_being_buffered() {
    let head = format!("{HEAD}<item><wp:post_id>1</wp:post_id><content:encoded><![CDATA[");
    let endless = Cursor::new(head.into_bytes()).chain(std::io::repeat(b'x'));
    let limits = Limits {
        max_field_bytes: 1024,
        ..Limits::default()
    };
    let err = wordpress::check(BufReader::new(endless), limits).unwrap_err();
    let ImportError::FieldTooLarge { field, limit, .. } = err else {
        panic!("{err:?}")
    };
    assert_eq!((field.as_str(), limit), ("content:encoded", 1024));
}

#[test]
fn more_items_than_the_limit_are_refused() {
    let items: String = (1..=3)
        .map(|i| {
            format!("<item><wp:post_id>{i}</wp:post_id><wp:post_type>post</wp:post_type></item>")
        })
        .collect();
    let limits = Limits {
        max_items: 2,
        ..Limits::default()
    };
    let err = check_str(&format!("{HEAD}{items}</channel></rss>"), limits);
    assert_eq!(
        err.to_string(),
        "the file holds more than 2 items, the limit; split the export"
    );
}

#[test]
fn a_non_numeric_post_id_is_refused() {
    let xml = format!("{HEAD}<item><wp:post_id>seven</wp:post_id></item></channel></rss>");
    let err = check_str(&xml, Limits::default());
    assert!(matches!(err, ImportError::NotANumber { .. }), "{err:?}");
}

fn ghost_err(json: &[u8], limits: Limits) -> ImportError {
    ghost::read_slice(json, limits, &NoMedia).unwrap_err()
}

#[test]
fn ghost_exports_with_invalid_utf8_duplicate_ids_or_no_ghost_shape_are_refused() {
    let meta = r#"{"db":[{"meta":{"version":"5.80.0"},"data":{"posts":[POSTS]}}]}"#;
    let post =
        |id: &str| format!(r#"{{"id":"{id}","slug":"s{id}","status":"draft","html":"<p>x</p>"}}"#);

    let mut bad = meta.replace("POSTS", &post("a")).into_bytes();
    let at = bad.iter().position(|&b| b == b'x').unwrap();
    bad[at] = 0xff;
    assert!(matches!(
        ghost_err(&bad, Limits::default()),
        ImportError::InvalidUtf8 { .. }
    ));

    let twice = meta.replace("POSTS", &format!("{},{}", post("a"), post("a")));
    assert_eq!(
        ghost_err(twice.as_bytes(), Limits::default()).to_string(),
        "the id a is used by two posts; the export is inconsistent"
    );

    assert!(matches!(
        ghost_err(br#"{"posts":[]}"#, Limits::default()),
        ImportError::NotGhost { .. }
    ));
    let old = meta.replace("5.80.0", "1.25.0").replace("POSTS", "");
    assert!(
        ghost_err(old.as_bytes(), Limits::default())
            .to_string()
            .contains("\"1.25.0\"")
    );
    let err = ghost_err(b"{\"db\": [", Limits::default());
    assert!(matches!(err, ImportError::Json { line: 1, .. }), "{err:?}");
}

#[test]
fn ghost_exports_over_the_size_limits_are_refused() {
    let json = r#"{"db":[{"meta":{"version":"5.80.0"},"data":{"posts":[{"id":"a","html":"<p>0123456789</p>"}]}}]}"#;
    let small_file = Limits {
        max_file_bytes: 50,
        ..Limits::default()
    };
    let err = ghost::read(json.as_bytes(), small_file, &NoMedia).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the file is 51 bytes, over the limit of 50 bytes"
    );
    let small_field = Limits {
        max_field_bytes: 10,
        ..Limits::default()
    };
    assert_eq!(
        ghost_err(json.as_bytes(), small_field).to_string(),
        "Ghost post a: its html is larger than the limit of 10 bytes"
    );
}

#[test]
fn html_nested_deeper_than_the_converter_can_walk_is_kept_as_text_not_a_crash() {
    for depth in [300, 20_000] {
        let html = format!(
            "<p>Intro</p>{}deep <b>words</b>{}",
            "<div><em>".repeat(depth),
            "</em></div>".repeat(depth)
        );
        let out = folio_import::to_markdown(&html, &NoMedia);
        assert_eq!(out.markdown, "Intro\n\ndeep words", "{depth}");
        assert_eq!(
            out.warnings,
            ["the content nests elements more than 256 deep; it was kept as plain text"]
        );
    }
}

#[test]
fn content_built_to_make_the_converter_quadratic_converts_promptly_enough() {
    // A quarter of a million bracketed words with one closing tag at the end: each
    // opening tag must not search the rest of the text.
    let html = format!("{}[/a]", "[a] ".repeat(250_000));
    let out = folio_import::to_markdown(&html, &NoMedia);
    assert!(
        out.markdown.starts_with("\\[a\\] \\[a\\]"),
        "the first [a] wraps the rest"
    );
    assert_eq!(
        out.warnings,
        ["the shortcode [a] has no Markdown form; its content was kept"]
    );
}

#[test]
fn after_an_error_the_stream_yields_nothing_more() {
    let xml = format!(
        "{HEAD}<item><wp:post_id>1</wp:post_id><wp:post_type>post</wp:post_type></item>\
         <item><wp:post_id>1</wp:post_id></item>\
         <item><wp:post_id>2</wp:post_id><wp:post_type>post</wp:post_type></item></channel></rss>"
    );
    let reader = wordpress::WxrReader::new(Cursor::new(xml), Limits::default(), &NoMedia);
    let results: Vec<_> = reader.collect();
    assert_eq!(results.len(), 3, "header, item 1, the duplicate's error");
    assert!(matches!(results[2], Err(ImportError::DuplicateId { .. })));
}
