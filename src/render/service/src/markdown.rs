//! Markdown to safe HTML: comrak (GitHub extensions, heading ids, highlighted
//! code) then ammonia's allowlist, so nothing a writer types can run script in
//! a reader's browser. Pure functions, run in the render pool.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use folio_render_protocol::html::{has_media_scheme, media_id};
use std::sync::{Arc, LazyLock};

use comrak::adapters::SyntaxHighlighterAdapter;
use comrak::options::Plugins;
use comrak::plugins::syntect::{SyntectAdapter, SyntectAdapterBuilder};
use comrak::{Options, markdown_to_html_with_plugins};

/// Deeper nesting than this is refused before parsing: recursive descent over
/// 50,000 nested blockquotes would otherwise exhaust a thread's stack.
pub const MAX_NESTING: usize = 100;

/// Built once: loading syntect's grammars and themes takes milliseconds.
pub struct Renderer {
    highlighter: CachedHighlighter,
}

impl Renderer {
    /// A renderer that keeps up to 16 MB of highlighted code blocks.
    pub fn new() -> Arc<Self> {
        Self::with_code_cache(16 * 1024 * 1024)
    }

    /// `bytes` of highlighted code blocks are kept (0: none, to time a cold render).
    pub fn with_code_cache(bytes: u64) -> Arc<Self> {
        Arc::new(Self {
            highlighter: CachedHighlighter {
                // Classes, not inline colours: pages can then forbid inline styles
                // (the admin UI's CSP does) and follow the reader's dark mode.
                syntect: SyntectAdapterBuilder::new()
                    .css_with_class_prefix(HIGHLIGHT_PREFIX)
                    .build(),
                cache: (bytes > 0).then(|| {
                    moka::sync::Cache::builder()
                        .max_capacity(bytes)
                        .weigher(|key: &CodeKey, html: &Arc<str>| {
                            u32::try_from(key.1.len() + html.len()).unwrap_or(u32::MAX)
                        })
                        .build()
                }),
            },
        })
    }
}

/// A code block: its language (the fence's info string) and its text.
type CodeKey = (Option<String>, String);

/// Highlighting is most of a render (0.5 of 0.8 ms for the fixture article), and
/// the same blocks come back again and again: the editor's live preview renders
/// the whole post after each pause in typing, a save renders it once more. So
/// each block's HTML is kept, keyed by language and text.
struct CachedHighlighter {
    syntect: SyntectAdapter,
    cache: Option<moka::sync::Cache<CodeKey, Arc<str>>>,
}

impl SyntaxHighlighterAdapter for CachedHighlighter {
    fn write_highlighted(
        &self,
        output: &mut dyn std::fmt::Write,
        lang: Option<&str>,
        code: &str,
    ) -> std::fmt::Result {
        let Some(cache) = &self.cache else {
            return self.syntect.write_highlighted(output, lang, code);
        };
        let key = (lang.map(str::to_owned), code.to_owned());
        if let Some(html) = cache.get(&key) {
            return output.write_str(&html);
        }
        let mut html = String::new();
        self.syntect.write_highlighted(&mut html, lang, code)?;
        output.write_str(&html)?;
        cache.insert(key, html.into());
        Ok(())
    }

    fn write_pre_tag(
        &self,
        output: &mut dyn std::fmt::Write,
        attributes: HashMap<&'static str, Cow<'_, str>>,
    ) -> std::fmt::Result {
        self.syntect.write_pre_tag(output, attributes)
    }

    fn write_code_tag(
        &self,
        output: &mut dyn std::fmt::Write,
        attributes: HashMap<&'static str, Cow<'_, str>>,
    ) -> std::fmt::Result {
        self.syntect.write_code_tag(output, attributes)
    }
}

const HIGHLIGHT_PREFIX: &str = "hl-";

/// The stylesheet for highlighted code: GitHub's light colours, and a dark
/// theme when the reader prefers one. Made from syntect's own themes at first
/// use, so it always matches the classes the renderer writes.
pub fn highlight_css() -> &'static str {
    static CSS: LazyLock<String> = LazyLock::new(|| {
        use syntect::highlighting::ThemeSet;
        use syntect::html::{ClassStyle, css_for_theme_with_class_style};
        let themes = ThemeSet::load_defaults();
        let style = ClassStyle::SpacedPrefixed {
            prefix: HIGHLIGHT_PREFIX,
        };
        let css = |name: &str| {
            let Some(theme) = themes.themes.get(name) else {
                return String::new();
            };
            let hex = |c: Option<syntect::highlighting::Color>| {
                c.map_or_else(String::new, |c| {
                    format!("#{:02x}{:02x}{:02x}", c.r, c.g, c.b)
                })
            };
            // The block's text colour (comrak marks it `syntax-highlighting`, not with a
            // scope class); its background stays the page's own code background.
            format!(
                "pre.syntax-highlighting {{ color: {}; }}\n{}",
                hex(theme.settings.foreground),
                css_for_theme_with_class_style(theme, style).unwrap_or_default()
            )
        };
        // The backgrounds code sits on: the site's and the admin preview's, the
        // lower-contrast one of each scheme (static/site.css, static/admin/admin.css).
        format!(
            "{}\n@media (prefers-color-scheme: dark) {{\n{}\n}}\n",
            legible(&css("InspiredGitHub"), [0xf3, 0xf5, 0xf7], [0, 0, 0]),
            legible(
                &css("base16-ocean.dark"),
                [0x1f, 0x22, 0x27],
                [255, 255, 255]
            )
        )
    });
    &CSS
}

fn options() -> Options<'static> {
    let mut options = Options::default();
    options.extension.strikethrough = true;
    options.extension.table = true;
    options.extension.autolink = true;
    options.extension.tasklist = true;
    options.extension.footnotes = true;
    options.extension.header_id_prefix = Some(String::new());
    // Raw HTML is dropped by comrak and again by ammonia.
    options.render.r#unsafe = false;
    options
}

/// The themes' text colours, nudged towards `towards` until each reads at
/// 4.5:1 (WCAG AA) on `background`: syntect's comment grey on a light page,
/// or its red on a dark one, would otherwise fall short.
fn legible(css: &str, background: [u8; 3], towards: [u8; 3]) -> String {
    fn luminance([r, g, b]: [u8; 3]) -> f64 {
        let channel = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.03928 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    }
    let contrast = |a: [u8; 3], b: [u8; 3]| {
        let (x, y) = (luminance(a), luminance(b));
        (x.max(y) + 0.05) / (x.min(y) + 0.05)
    };
    let fix = |hex: &str| -> Option<String> {
        let channel = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok();
        let mut colour = [channel(0)?, channel(2)?, channel(4)?];
        let start = colour;
        for step in 1..=20 {
            if contrast(colour, background) >= 4.5 {
                break;
            }
            let t = f64::from(step) / 20.0;
            for i in 0..3 {
                colour[i] =
                    (f64::from(start[i]) * (1.0 - t) + f64::from(towards[i]) * t).round() as u8;
            }
        }
        Some(format!(
            "{:02x}{:02x}{:02x}",
            colour[0], colour[1], colour[2]
        ))
    };
    css.lines()
        .map(|line| match line.trim_start().strip_prefix("color: #") {
            Some(rest) if rest.len() >= 6 => match fix(&rest[..6]) {
                Some(hex) => format!(" color: #{hex}{}", &rest[6..]),
                None => line.to_owned(),
            },
            _ => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Put before every id the renderer writes (headings, footnotes), as GitHub
/// does: a heading `# toasts` must not become `id="toasts"` on a page that
/// has its own element of that id (the admin's notifications do), nor a
/// named global (`window.toasts`) a script there might read.
pub const ID_PREFIX: &str = "user-content-";

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .add_tags(["input", "section"])
        // Heading ids for links to sections; footnote back-references use ids too.
        .add_generic_attributes(["id"])
        .add_tag_attributes("input", ["type", "checked", "disabled"])
        // comrak names its heading anchors with aria-label; writers can't set it (raw HTML is dropped).
        .add_tag_attributes(
            "a",
            ["data-footnote-ref", "data-footnote-backref", "aria-label"],
        )
        .add_tag_attributes("section", ["class", "data-footnotes"])
        .add_tag_attributes("ol", ["start"])
        .add_tag_attributes("td", ["align"])
        .add_tag_attributes("th", ["align"])
        // Syntect's highlighting classes. Writers cannot set them: comrak drops raw HTML.
        .add_tag_attributes("pre", ["class"])
        .add_tag_attributes("span", ["class"])
        // `media:ID` images are resolved to real images when a page is served.
        .url_schemes(HashSet::from(["http", "https", "mailto", "media"]))
        .id_prefix(Some(ID_PREFIX))
        .attribute_filter(|element, attribute, value| match (element, attribute) {
            // In-page links follow the ids to their prefixed names.
            ("a", "href") if value.starts_with('#') && !value[1..].starts_with(ID_PREFIX) => {
                Some(format!("#{ID_PREFIX}{}", &value[1..]).into())
            }
            // `media:` means an image; a link there would go nowhere.
            ("a", "href") if has_media_scheme(value) => None,
            ("img", "src") if has_media_scheme(value) && media_id(value).is_none() => None,
            _ => Some(value.into()),
        })
        .link_rel(Some("noopener noreferrer nofollow"));
    builder
});

/// How deep the document's blockquotes and lists nest, from the line prefixes.
pub fn nesting_depth(markdown: &str) -> usize {
    markdown.lines().map(line_depth).max().unwrap_or(0)
}

fn line_depth(line: &str) -> usize {
    let mut depth = 0;
    let mut rest = line;
    loop {
        let trimmed = rest.trim_start_matches([' ', '\t']);
        let indent = rest.len() - trimmed.len();
        let after_marker = if let Some(after) = trimmed.strip_prefix('>') {
            Some(after)
        } else if let Some(after) = trimmed
            .strip_prefix(['-', '*', '+'])
            .filter(|a| a.starts_with([' ', '\t']))
        {
            Some(after)
        } else {
            let digits = trimmed.chars().take_while(char::is_ascii_digit).count();
            trimmed[digits..]
                .strip_prefix(['.', ')'])
                .filter(|after| digits > 0 && after.starts_with([' ', '\t']))
        };
        match after_marker {
            // Indentation before a marker nests it under earlier lines' lists;
            // indentation before plain text (a code block) nests nothing.
            Some(after) => {
                depth += 1 + indent / 2;
                rest = after;
            }
            None => return depth,
        }
    }
}

/// Renders and sanitises. The caller has checked size and nesting.
pub fn to_html(renderer: &Renderer, markdown: &str) -> String {
    let options = options();
    let mut plugins = Plugins::default();
    plugins.render.codefence_syntax_highlighter = Some(&renderer.highlighter);
    let html = markdown_to_html_with_plugins(markdown, &options, &plugins);
    SANITIZER.clean(&html).to_string()
}

/// The first paragraph as plain text, at most `max` characters: the excerpt
/// when the writer gives none.
pub fn first_paragraph(html: &str, max: usize) -> String {
    let Some(start) = html.find("<p>") else {
        return String::new();
    };
    let end = html[start..]
        .find("</p>")
        .map_or(html.len(), |end| start + end);
    let text = ammonia::Builder::empty()
        .clean(&html[start + 3..end])
        .to_string();
    let text = text
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'");
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max {
        return text;
    }
    let cut: String = text.chars().take(max).collect();
    let cut = cut
        .rsplit_once(' ')
        .map_or(cut.as_str(), |(head, _)| head)
        .to_owned();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_counts_markers_and_the_indentation_before_them() {
        assert_eq!(nesting_depth("plain text"), 0);
        assert_eq!(nesting_depth("> > > quoted"), 3);
        assert_eq!(nesting_depth("- a\n  - b\n    - c"), 3);
        assert_eq!(nesting_depth(&"- ".repeat(500)), 500);
        assert_eq!(
            nesting_depth(&format!("{}code", " ".repeat(400))),
            0,
            "deeply indented code is not nesting"
        );
    }

    #[test]
    fn a_cached_code_block_renders_exactly_as_a_fresh_one() {
        let markdown = "```rust\nfn main() { println!(\"<hi>\"); }\n```\n\n```\nplain <b>\n```\n\n```rust\nfn other() {}\n```\n";
        let fresh = to_html(&Renderer::with_code_cache(0), markdown);
        let cached = Renderer::new();
        let first = to_html(&cached, markdown);
        let second = to_html(&cached, markdown);
        assert!(fresh.contains("hl-"), "highlighted: {fresh}");
        assert!(
            fresh.contains("&lt;hi&gt;") && !fresh.contains("<hi>"),
            "{fresh}"
        );
        assert_eq!(first, fresh);
        assert_eq!(second, fresh);
        // Same text, another language: not served from the Rust block's entry.
        let as_text = to_html(&cached, "```text\nfn other() {}\n```\n");
        assert!(fresh.contains("hl-rust"), "{fresh}");
        assert!(!as_text.contains("hl-rust"), "{as_text}");
    }
}
