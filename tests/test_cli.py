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


needs_data = pytest.mark.skipif(not HAVE_DATA, reason='SAE_MOVIES_DATA does not point at a folder with ml-100k/')
SHIPPED = Path(__file__).parent.parent / 'models' / 'ml-100k-u1-sae.pt'


@needs_data
def test_train_json_metrics_and_checkpoint(tmp_path):
    out = tmp_path / 'sae.pt'
    r = run('train', '--data', 'ml-100k', '--split', 'u1', '--model', 'sae', '--epochs', '5', '--out', str(out), '--json', '--quiet')
    assert r.returncode == 0, r.stderr
    m = json.loads(r.stdout.strip().splitlines()[-1])
    for key in ('rmse', 'mae', 'user_rmse', 'train_rmse', 'epochs', 'train_seconds', 'train_losses'):
        assert key in m
    assert m['epochs'] == 5 == len(m['train_losses']) and 0.8 < m['rmse'] < 1.3 and out.is_file()


@needs_data
def test_train_faithful_losses_are_the_course_figures(tmp_path):
    r = run('train', '--faithful', '--epochs', '1', '--out', str(tmp_path / 'c.pt'), '--json', '--quiet')
    assert r.returncode == 0, r.stderr
    m = json.loads(r.stdout.strip().splitlines()[-1])
    assert len(m['train_losses']) == 1 and 1.5 < m['train_losses'][0] < 2.0  # the course prints ~1.77 after epoch 1


def test_train_rejects_bad_arguments():
    r = run('train', '--epochs', '0')
    assert r.returncode == 1 and '--epochs must be >= 1' in r.stderr


@needs_data
def test_evaluate_predict_and_bad_k(tmp_path):
    r = run('evaluate', str(SHIPPED), '--json')
    assert r.returncode == 0, r.stderr
    m = json.loads(r.stdout.strip().splitlines()[-1])
    for key in ('rmse', 'mae', 'user_rmse', 'coverage', 'precision@10', 'recall@10', 'ndcg@10', 'map@10'):
        assert key in m
    r = run('predict', str(SHIPPED), '--split', 'u1', '--out', str(tmp_path / 'p.csv'))
    assert r.returncode == 0, r.stderr
    lines = (tmp_path / 'p.csv').read_text().splitlines()
    assert lines[0] == 'user,item,rating,prediction' and len(lines) == 20_001
    assert run('evaluate', str(SHIPPED), '-k', '0').returncode == 1
    r = run('evaluate', str(SHIPPED), '--split', 'u2')
    assert r.returncode == 1 and "trained on split 'u1'" in r.stderr


@needs_data
def test_compare_one_fold_json():
    r = run('compare', '--folds', 'u1', '--json')
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout.strip().splitlines()[-1])
    assert {row['model'] for row in rows} >= {'GlobalMean', 'BiasBaseline', 'BiasedMF', 'SAE (fast)'}


@needs_data
def test_recommend_and_similar(tmp_path):
    r = run('recommend', str(SHIPPED), '--user', '1', '-n', '5', '--json')
    assert r.returncode == 0, r.stderr
    recs = json.loads(r.stdout.strip().splitlines()[-1])['recommendations']
    assert len(recs) == 5 and {'movie_id', 'title', 'score'} <= set(recs[0])
    r = run('recommend', str(SHIPPED), '--rate', 'Star Wars (1977)=5', '--rate', '181=4', '--json')  # 181: Return of the Jedi (50 is Star Wars itself)
    assert r.returncode == 0, r.stderr
    r = run('similar', str(SHIPPED), '--movie', 'Toy Story', '-n', '3', '--json')
    assert r.returncode == 0, r.stderr
    for bad in (['recommend', str(SHIPPED), '--user', '99999'], ['recommend', str(SHIPPED), '--user', '1', '-n', '0'],
                ['similar', str(SHIPPED), '--movie', 'Toy Storyy Zzz']):
        r = run(*bad)
        assert r.returncode == 1 and 'error:' in r.stderr and 'Traceback' not in r.stderr
