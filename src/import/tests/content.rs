//! HTML to Markdown as a reader of the imported post sees it.

#![allow(clippy::unwrap_used)]

use folio_import::{Converted, MediaLookup, MediaRef, NoMedia, attachment_key, to_markdown};

/// One upload, `2021/07/tree.jpg`, attachment 7, known to the caller as `media:70`.
struct OneTree;

impl MediaLookup for OneTree {
    fn by_url(&self, url: &str) -> Option<MediaRef> {
        (attachment_key(url)? == "2021/07/tree.jpg").then(|| self.by_id("7"))?
    }

    fn by_id(&self, id: &str) -> Option<MediaRef> {
        (id == "7").then(|| MediaRef {
            url: "media:70".into(),
            alt: "An oak tree".into(),
        })
    }
}

fn md(html: &str) -> Converted {
    to_markdown(html, &OneTree)
}

#[test]
fn classic_content_gets_paragraphs_from_blank_lines() {
    let out = md(
        "First paragraph with <em>emphasis</em>.\n\nSecond one,\nwith a break.\n\n<h3>A heading</h3>\nAfter the heading.",
    );
    assert_eq!(
        out.markdown,
        "First paragraph with *emphasis*.\n\nSecond one,  \nwith a break.\n\n### A heading\n\nAfter the heading."
    );
    assert!(out.warnings.is_empty());
}

#[test]
fn every_sized_copy_of_an_upload_maps_to_the_same_media() {
    for src in [
        "https://x.example/wp-content/uploads/2021/07/tree-1024x683.jpg",
        "https://x.example/wp-content/uploads/2021/07/tree-scaled.jpg",
        "https://x.example/wp-content/uploads/2021/07/tree.jpg",
    ] {
        let out = md(&format!("<p><img src=\"{src}\" alt=\"Tree\"></p>"));
        assert_eq!(out.markdown, "![Tree](media:70)", "{src}");
    }
}

#[test]
fn an_image_without_alt_takes_the_attachments_and_a_block_image_is_found_by_its_id() {
    let out = md(
        "<!-- wp:image {\"id\":7} --><figure class=\"wp-block-image\"><img src=\"https://cdn.example/abc.jpg\" class=\"wp-image-7\"/></figure><!-- /wp:image -->",
    );
    assert_eq!(out.markdown, "![An oak tree](media:70)");
}

#[test]
fn a_caption_shortcode_keeps_the_images_alt_and_its_caption() {
    let out = md(
        "[caption id=\"attachment_7\" align=\"alignleft\" width=\"300\"]<img src=\"https://x.example/wp-content/uploads/2021/07/tree-300x200.jpg\" alt=\"Old oak\" /> The oak in <strong>May</strong>[/caption]",
    );
    assert_eq!(out.markdown, "![Old oak](media:70)\n\n*The oak in **May***");
    let old_style = md(
        "[caption id=\"\" caption=\"Said in the attribute\"]<img src=\"https://x.example/wp-content/uploads/2021/07/tree.jpg\" alt=\"\" />[/caption]",
    );
    assert_eq!(
        old_style.markdown,
        "![An oak tree](media:70)\n\n*Said in the attribute*"
    );
}

#[test]
fn a_gallery_names_the_images_it_could_not_find() {
    let out = md("[gallery columns=\"2\" ids=\"7,99\"]");
    assert_eq!(out.markdown, "![An oak tree](media:70)");
    assert_eq!(
        out.warnings,
        ["gallery image 99 is not among the export's attachments and was left out"]
    );
    let all = md("Before\n\n[gallery]");
    assert_eq!(all.markdown, "Before");
    assert_eq!(
        all.warnings,
        ["a [gallery] without ids (the post's attached images) was left out"]
    );
}

#[test]
fn unknown_shortcodes_are_named_in_warnings_and_their_text_is_kept() {
    let out = md(
        "[note type=\"info\"]Mind the gap[/note]\n\nBuy now: [buy_button id=\"3\"]\n\nHe said [sic] twice.",
    );
    assert_eq!(
        out.markdown,
        "Mind the gap\n\nBuy now:\n\nHe said \\[sic\\] twice."
    );
    assert_eq!(
        out.warnings,
        [
            "the shortcode [note] has no Markdown form; its content was kept",
            "the shortcode [buy_button] has no Markdown form and was left out",
        ]
    );
}

#[test]
fn shortcodes_inside_an_unknown_enclosing_one_are_expanded_too() {
    let out = md("[column width=\"1/2\"]Watch: [embed]https://v.example/1[/embed][/column]");
    assert_eq!(out.markdown, "Watch: <https://v.example/1>");
    assert_eq!(
        out.warnings,
        [
            "the shortcode [embed] became a link to https://v.example/1",
            "the shortcode [column] has no Markdown form; its content was kept",
        ]
    );
}

#[test]
fn code_is_fenced_with_its_language_and_never_read_as_markup() {
    let out = md(
        "<pre><code class=\"language-html\">&lt;p&gt;Hi &amp; bye&lt;/p&gt;\n```\nnested fence</code></pre>",
    );
    assert_eq!(
        out.markdown,
        "````html\n<p>Hi & bye</p>\n```\nnested fence\n````"
    );
    let shortcode = md("[code lang=\"js\"]if (a < b) { go(); }[/code]");
    assert_eq!(shortcode.markdown, "```js\nif (a < b) { go(); }\n```");
}

#[test]
fn tables_become_gfm_with_pipes_escaped_and_spans_reported() {
    let out = md(
        "<table><thead><tr><th>Key</th><th>Value</th></tr></thead><tbody><tr><td>a|b</td><td><strong>1</strong></td></tr><tr><td colspan=\"2\">wide</td></tr></tbody></table>",
    );
    assert_eq!(
        out.markdown,
        "| Key | Value |\n| --- | --- |\n| a\\|b | **1** |\n| wide |  |"
    );
    assert_eq!(
        out.warnings,
        ["a table cell spanning several columns or rows was flattened"]
    );
}

#[test]
fn what_markdown_cannot_say_is_warned_about_and_leaves_no_tags_behind() {
    let out = md(
        "<p>Text <del>old</del> new</p>\n<script>alert(1)</script>\n<form action=\"/x\"><input name=\"q\"><button>Go</button></form>\n<video src=\"https://v.example/a.mp4\"></video>\n<p style=\"text-align:center\">Centred</p>",
    );
    assert_eq!(
        out.markdown,
        "Text ~~old~~ new\n\n<https://v.example/a.mp4>\n\nCentred"
    );
    assert!(!out.markdown.contains("alert"));
    assert_eq!(
        out.warnings,
        [
            "a <script> has no Markdown form and was left out",
            "an <input> has no Markdown form and was left out",
            "a <button> has no Markdown form and was left out",
            "a <form> has no Markdown form and was left out",
            "a <video> of https://v.example/a.mp4 became a link",
            "1 inline style attribute(s) have no Markdown form and were dropped",
        ]
    );
}

#[test]
fn lists_quotes_and_links_convert_and_nothing_is_lost_without_a_lookup() {
    let out = to_markdown(
        "<ul><li>One<ul><li>Nested</li></ul></li><li><a href=\"https://a.example/\" title=\"A\">Two</a></li></ul><blockquote><p>Quote</p><p>More</p></blockquote>",
        &NoMedia,
    );
    assert_eq!(
        out.markdown,
        "- One\n  - Nested\n- [Two](https://a.example/ \"A\")\n\n> Quote\n>\n> More"
    );
}

#[test]
fn a_loss_repeated_in_one_post_is_reported_once() {
    let out = md("<p>E = mc<sup>2</sup> and a<sup>2</sup> + b<sup>2</sup></p>");
    assert_eq!(out.markdown, "E = mc2 and a2 + b2");
    assert_eq!(
        out.warnings,
        ["<sup> text has no Markdown form; its text was kept without it"]
    );
}
