"""Images (Pillow: size, EXIF date and GPS position) and audio/video (mutagen: duration, codec,
bitrate). Only headers are read: no pixel or sample data is decoded."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import mutagen
from mutagen.mp4 import MP4
from mutagen.mp4._atom import Atoms  # mutagen's own MP4 atom reader, not re-exported
from PIL import ExifTags, Image, UnidentifiedImageError

from catalog.center.extract.proposal import Proposal, Unreadable

# A header claiming more pixels than this is a decompression bomb: refused before decoding.
Image.MAX_IMAGE_PIXELS = 400_000_000


def image(path: Path, proposal: Proposal) -> None:
    """Size and format; the EXIF capture date and GPS position when the camera wrote them."""
    try:
        with Image.open(path) as picture:
            width, height = picture.size
            kind = (picture.format or "image").lower()
            exif = picture.getexif()
            taken = _exif_date(exif)
            position = _gps(exif.get_ifd(ExifTags.IFD.GPSInfo)) if exif else None
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as error:
        raise Unreadable(f"not a readable image ({error})") from None
    proposal.body["format"] = {"category": "image", "type": "jpg" if kind == "jpeg" else kind}
    proposal.facts.update(width=width, height=height)
    if taken:
        proposal.facts["taken"] = taken
        proposal.temporal(taken[:10], taken[:10])
    if position:
        lon, lat = position
        proposal.facts["gps"] = {"lon": lon, "lat": lat}
        proposal.body["spatial"] = {"bbox": [lon, lat, lon, lat]}


def _exif_date(exif: Image.Exif) -> str | None:
    details = exif.get_ifd(ExifTags.IFD.Exif) if exif else {}
    raw = details.get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTime)
    try:
        return datetime.strptime(str(raw).strip(), "%Y:%m:%d %H:%M:%S").isoformat() if raw else None
    except ValueError:
        return None


def _gps(gps: dict[int, Any]) -> tuple[float, float] | None:
    try:
        lat = _degrees(gps[ExifTags.GPS.GPSLatitude], gps.get(ExifTags.GPS.GPSLatitudeRef, "N"))
        lon = _degrees(gps[ExifTags.GPS.GPSLongitude], gps.get(ExifTags.GPS.GPSLongitudeRef, "E"))
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return None
    return round(lon, 7), round(lat, 7)


def _degrees(parts: Any, ref: Any) -> float:
    degrees, minutes, seconds = (float(p) for p in parts)
    value = degrees + minutes / 60 + seconds / 3600
    return -value if str(ref).upper() in ("S", "W") else value


def audio_video(path: Path, proposal: Proposal, media_type: str | None) -> None:
    """Duration, codec, bitrate, channels and sample rate from the container's header."""
    try:
        media = mutagen.File(path)
    except (mutagen.MutagenError, OSError, ValueError) as error:
        raise Unreadable(f"not a readable audio or video file ({error})") from None
    kind = (media_type or "").split("/")[-1] or "media"
    proposal.body["format"] = {"category": "media", "type": kind}
    if media is None:
        return
    info = media.info
    facts: dict[str, Any] = {
        "duration_seconds": round(float(getattr(info, "length", 0) or 0), 3),
        "bitrate": getattr(info, "bitrate", None),
        "codec": getattr(info, "codec", None) or _codec(media),
        "channels": getattr(info, "channels", None),
        "sample_rate": getattr(info, "sample_rate", None),
    }
    if isinstance(media, MP4):
        facts["video_codec"] = _mp4_video_codec(path)
    proposal.facts.update({k: v for k, v in facts.items() if v is not None})
    tags = media.tags or {}
    title = tags.get("TIT2") or tags.get("\xa9nam") or tags.get("title")
    proposal.title(title[0] if isinstance(title, list) and title else title)


def _mp4_video_codec(path: Path) -> str | None:
    """The sample format (avc1, hvc1, mp4v ...) of an MP4's video track, from its atoms.

    mutagen describes the audio track; the video track's `stsd` entry names the video codec.
    """
    try:
        with path.open("rb") as file:
            atoms = Atoms(file)
            for track in atoms[b"moov"].findall(b"trak"):
                _ok, handler = track[b"mdia", b"hdlr"].read(file)
                if handler[8:12] != b"vide":
                    continue
                _ok, samples = track[b"mdia", b"minf", b"stbl", b"stsd"].read(file)
                return samples[12:16].decode("latin-1") or None
    except (KeyError, mutagen.MutagenError, OSError, ValueError):
        return None
    return None


def _codec(media: Any) -> str:
    name = type(media).__name__.lower()
    return {"wave": "pcm", "mp3": "mp3", "flac": "flac", "oggvorbis": "vorbis"}.get(name, name)
