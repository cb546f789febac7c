"The installed `sae-movies` console script, run as a user runs it."
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import sae_movies

SCRIPT = Path(sys.executable).parent / 'sae-movies'
HAVE_DATA = bool(os.environ.get('SAE_MOVIES_DATA')) and (Path(os.environ['SAE_MOVIES_DATA']) / 'ml-100k').is_dir()


def run(*args, **kw):
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=600, **kw)


def test_version_matches_settings():
    settings = (Path(__file__).parent.parent / 'settings.ini').read_text()
    assert f'version = {sae_movies.__version__}' in settings
    assert run('--version').stdout.strip() == sae_movies.__version__


def test_unknown_command_fails_with_usage():
    r = run('nonsense')
    assert r.returncode == 2 and 'usage: sae-movies' in r.stderr


def test_bad_dataset_folder_is_a_clear_error(tmp_path):
    (tmp_path / 'ml-100k').mkdir()
    r = run('data', 'ml-100k', '--path', str(tmp_path))
    assert r.returncode == 1
    assert 'u.data: required file is missing' in r.stderr and 'Traceback' not in r.stderr


@pytest.mark.skipif(not HAVE_DATA, reason='SAE_MOVIES_DATA does not point at a folder with ml-100k/')
def test_data_summary_json():
    r = run('data', 'ml-100k', '--json')
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout.strip().splitlines()[-1])
    assert (summary['users'], summary['items'], summary['ratings']) == (943, 1682, 100_000)
    assert 0.06 < summary['density'] < 0.07
