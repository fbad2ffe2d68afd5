//! A post's sanitised HTML as the plain text the index reads and snippets
//! quote: tags dropped, block ends as line breaks, entities decoded.

/// Elements whose end (or, for void ones, whose presence) ends a line of text,
/// so words on either side never run together.
const BREAKING: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "caption",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tr",
    "ul",
];

/// Cells only need a space between them.
const SPACING: &[&str] = &["td", "th", "img", "summary", "details"];

/// The text of `html`: whitespace runs become one space, or one line break
/// when the run ended a block. Input is ammonia's output (well-formed, quoted
/// attributes); anything else still yields text, never a panic.
pub(crate) fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find(['<', '&']) {
        push_text(&mut out, &rest[..start]);
        rest = &rest[start..];
        if rest.starts_with("<!--") {
            rest = rest.find("-->").map_or("", |end| &rest[end + 3..]);
        } else if rest.starts_with('<') {
            let end = tag_end(rest);
            match break_of(&rest[1..end]) {
                Break::Line => push_break(&mut out, '\n'),
                Break::Space => push_break(&mut out, ' '),
                Break::None => {}
            }
            rest = rest.get(end + 1..).unwrap_or("");
        } else {
            let (decoded, used) = entity(rest);
            push_text(&mut out, decoded.encode_utf8(&mut [0; 4]));
            rest = &rest[used..];
        }
    }
    push_text(&mut out, rest);
    out.trim().to_owned()
}

enum Break {
    Line,
    Space,
    None,
}

/// The byte index of the `>` closing the tag that starts `tag` (`<…`); a `>`
/// inside a quoted attribute value does not close it (ammonia leaves it raw).
fn tag_end(tag: &str) -> usize {
    let mut quote = None;
    for (i, c) in tag.char_indices().skip(1) {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return i,
            _ => {}
        }
    }
    tag.len()
}

/// What a tag (its text between `<` and `>`) does to the text around it.
fn break_of(tag: &str) -> Break {
    let name: String = tag
        .trim_start_matches('/')
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if BREAKING.contains(&name.as_str()) {
        Break::Line
    } else if SPACING.contains(&name.as_str()) {
        Break::Space
    } else {
        Break::None
    }
}

fn push_break(out: &mut String, kind: char) {
    match out.chars().last() {
        None => {}
        Some('\n') => {}
        Some(' ') if kind == '\n' => {
            out.pop();
            out.push('\n');
        }
        Some(' ') => {}
        Some(_) => out.push(kind),
    }
}

fn push_text(out: &mut String, text: &str) {
    for c in text.chars() {
        if c.is_whitespace() {
            push_break(out, ' ');
        } else {
            out.push(c);
        }
    }
}

/// The character an entity at the start of `text` (`&…`) stands for, and how
/// many bytes it took. Not an entity we know: a literal `&`.
fn entity(text: &str) -> (char, usize) {
    let literal = ('&', 1);
    // The longest entity we decode (`&#x10FFFF;`) is 10 characters.
    let Some((end, _)) = text.char_indices().take(11).find(|&(_, c)| c == ';') else {
        return literal;
    };
    let name = &text[1..end];
    let decoded = match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        "nbsp" => Some(' '),
        _ => name.strip_prefix('#').and_then(|number| {
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok(),
                None => number.parse().ok(),
            };
            code.and_then(char::from_u32)
        }),
    };
    decoded.map_or(literal, |c| (c, end + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_go_and_blocks_become_line_breaks() {
        let html = "<h2>Kites</h2>\n<p>Fly <em>high</em>,<br>then land.</p><ul><li>one</li><li>two</li></ul>";
        assert_eq!(html_to_text(html), "Kites\nFly high,\nthen land.\none\ntwo");
    }

    #[test]
    fn entities_are_decoded_once() {
        let html = "<p>a &amp; b &lt;script&gt; &quot;q&quot; &#39;s&#39; x&nbsp;y &#233; &#x263A; &amp;lt;</p>";
        assert_eq!(html_to_text(html), "a & b <script> \"q\" 's' x y é ☺ &lt;");
    }

    #[test]
    fn a_bare_ampersand_or_unknown_entity_stays_as_it_is() {
        assert_eq!(
            html_to_text("Tom & Jerry &bogus; &#xZZ;"),
            "Tom & Jerry &bogus; &#xZZ;"
        );
    }

    #[test]
    fn a_greater_than_sign_inside_an_attribute_does_not_end_the_tag() {
        let html =
            r#"<p><a href="/x" title="a > b">link</a> <img src="/i.png" alt="x > y">after</p>"#;
        assert_eq!(html_to_text(html), "link after");
    }

    #[test]
    fn table_cells_are_spaced_and_code_keeps_its_words() {
        let html =
            "<table><tr><td>a</td><td>b</td></tr></table><pre><code>fn main() {}\n</code></pre>";
        assert_eq!(html_to_text(html), "a b\nfn main() {}");
    }

    #[test]
    fn broken_markup_never_panics() {
        for html in [
            "<",
            "<p",
            "&",
            "&#",
            "&#;",
            "<!-- open",
            "é<é>é",
            "&#x110000;",
        ] {
            let _ = html_to_text(html);
        }
        assert_eq!(html_to_text("<p>unterminated"), "unterminated");
    }
}
