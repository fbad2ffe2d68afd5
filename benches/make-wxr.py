#!/usr/bin/env python3
"""Writes a WordPress export (WXR 1.2) of N published posts, each about
SIZE kilobytes of classic HTML, with categories, tags and a dated permalink:
the input of benches/import.sh.

    benches/make-wxr.py N SIZE_KB OUT.xml
"""
import html
import sys

n, size_kb, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
paragraph = ("<p>Riding to work is <strong>faster</strong> than you think, and "
             "<em>cheaper</em>. See <a href=\"https://example.org/study\">the study</a>; "
             "a good light &amp; a lock are all you need.</p>\n")
body = paragraph * max(1, size_kb * 1024 // len(paragraph))
with open(out, "w", encoding="utf-8") as f:
    f.write('<?xml version="1.0" encoding="UTF-8" ?>\n'
            '<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:wfw="http://wellformedweb.org/CommentAPI/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n'
            '<title>Bench</title><link>https://bench.example</link>\n'
            '<wp:wxr_version>1.2</wp:wxr_version>\n'
            '<wp:base_site_url>https://bench.example</wp:base_site_url>\n'
            '<wp:base_blog_url>https://bench.example</wp:base_blog_url>\n'
            '<wp:author><wp:author_id>1</wp:author_id><wp:author_login><![CDATA[ada]]></wp:author_login>'
            '<wp:author_email><![CDATA[ada@bench.example]]></wp:author_email>'
            '<wp:author_display_name><![CDATA[Ada]]></wp:author_display_name></wp:author>\n')
    for i in range(1, n + 1):
        day = 1 + i % 28
        f.write(f'<item><title>{html.escape(f"Post number {i}")}</title>'
                f'<link>https://bench.example/2020/01/{day:02}/post-{i}/</link>'
                f'<dc:creator><![CDATA[ada]]></dc:creator>'
                f'<content:encoded><![CDATA[{body}]]></content:encoded>'
                f'<excerpt:encoded><![CDATA[]]></excerpt:encoded>'
                f'<wp:post_id>{i}</wp:post_id>'
                f'<wp:post_date>2020-01-{day:02} 10:00:00</wp:post_date>'
                f'<wp:post_date_gmt>2020-01-{day:02} 10:00:00</wp:post_date_gmt>'
                f'<wp:post_name>post-{i}</wp:post_name><wp:status>publish</wp:status>'
                f'<wp:post_type>post</wp:post_type>'
                f'<category domain="category" nicename="news"><![CDATA[News]]></category>'
                f'<category domain="post_tag" nicename="tag-{i % 50}"><![CDATA[Tag {i % 50}]]></category>'
                f'</item>\n')
    f.write('</channel>\n</rss>\n')
