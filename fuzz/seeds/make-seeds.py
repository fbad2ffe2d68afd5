#!/usr/bin/env python3
"""Writes the fuzz seed corpus: tiny pictures of every accepted kind (image_header)
and upload forms (multipart). Needs Pillow (`pip install pillow`). Run from
fuzz/seeds/: `python3 make-seeds.py`. The Markdown seeds (render/) are written by hand."""
import io
from pathlib import Path

from PIL import Image

images = Path("image_header")
images.mkdir(exist_ok=True)


def save(name, picture, **options):
    picture.save(images / name, **options)


gradient = Image.new("RGB", (8, 6))
for x in range(8):
    for y in range(6):
        gradient.putpixel((x, y), (x * 32, y * 40, 128))
exif = Image.Exif()
exif[0x0112] = 6  # orientation: turn 90° clockwise
save("orientation-6.jpg", gradient, format="JPEG", quality=80, exif=exif.tobytes())
save("progressive.jpg", gradient, format="JPEG", quality=60, progressive=True)
cut_out = Image.new("RGBA", (8, 6), (0, 0, 0, 0))
for x in range(4):
    for y in range(6):
        cut_out.putpixel((x, y), (220, 20, 20, 255))
save("transparent.png", cut_out, format="PNG")
save("opaque.png", gradient, format="PNG")
save("palette.png", gradient.convert("P"), format="PNG")
save("still.gif", gradient.convert("P"), format="GIF")
frames = [Image.new("P", (8, 6), 1), Image.new("P", (8, 6), 2)]
frames[0].save(images / "animated.gif", save_all=True, append_images=frames[1:], duration=100, loop=0)
save("lossy.webp", gradient, format="WEBP", quality=50)
save("alpha.webp", cut_out, format="WEBP", lossless=True)
webp_frames = [Image.new("RGB", (8, 6), c) for c in ((200, 0, 0), (0, 0, 200))]
webp_frames[0].save(images / "animated.webp", save_all=True, append_images=webp_frames[1:], duration=100)

# multipart: the first byte is the chunk size the body arrives in (0: whole).
forms = Path("multipart")
forms.mkdir(exist_ok=True)
B = b"--folio-fuzz-boundary"


def form(parts, end=True):
    body = b""
    for headers, content in parts:
        body += B + b"\r\n" + b"".join(h + b"\r\n" for h in headers) + b"\r\n" + content + b"\r\n"
    return body + (B + b"--\r\n" if end else b"")


png = (images / "transparent.png").read_bytes()
upload = form([
    ([b'Content-Disposition: form-data; name="file"; filename="cut-out.png"', b"Content-Type: image/png"], png),
    ([b'Content-Disposition: form-data; name="alt"'], "A red kite — über".encode()),
    ([b'Content-Disposition: form-data; name="caption"'], b"Seen from the hill"),
    ([b'Content-Disposition: form-data; name="keep_metadata"'], b"true"),
])
(forms / "upload-whole").write_bytes(b"\x00" + upload)
(forms / "upload-in-7-byte-chunks").write_bytes(b"\x07" + upload)
(forms / "upload-in-1-byte-chunks").write_bytes(b"\x01" + form([
    ([b'Content-Disposition: form-data; name="file"; filename="a.gif"'], b"GIF89a"),
]))
(forms / "unknown-field-and-preamble").write_bytes(b"\x00preamble\r\n" + form([
    ([b'Content-Disposition: form-data; name="other"'], b"x" * 40),
    ([b"Content-Disposition: form-data; name=\"file\"; filename*=UTF-8''k%C3%BCste.jpg"], b"\xff\xd8\xff\xd9"),
]))
(forms / "no-closing-boundary").write_bytes(b"\x00" + form([
    ([b'Content-Disposition: form-data; name="file"; filename="a.png"'], b"\x89PNG"),
], end=False))
