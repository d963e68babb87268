"""What a screenshot shows, measured: the largest white area in a PNG (a blank Plotly chart, an
unstyled page), for the browser tests' "no white frame" rule. White markers and text are small
and scattered; a blank chart is a solid block of hundreds of pixels."""

from __future__ import annotations

from io import BytesIO

from PIL import Image, ImageChops

WHITE = 235  # every channel at least this: white or nearly (our lightest text colour is #dce6f5)
TILE = 48  # px: a square this big and (nearly) all white is a white area, not a marker or a word


def white_tiles(png: bytes) -> float:
    """The share of the frame's 48-px tiles that are at least 90 % white or nearly white."""
    image = Image.open(BytesIO(png)).convert("RGB")
    mask = None
    for channel in image.split():
        bright = channel.point(lambda v: 255 if v >= WHITE else 0)
        mask = bright if mask is None else ImageChops.darker(mask, bright)
    tiles = mask.resize((max(1, image.width // TILE), max(1, image.height // TILE)), Image.Resampling.BOX)
    histogram = tiles.histogram()
    return sum(histogram[230:]) / (tiles.width * tiles.height)
