"The installed `sae-movies` console script, run as a user runs it: one test per behaviour a newcomer meets."
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import sae_movies

ROOT = Path(__file__).parent.parent
SCRIPT = Path(sys.executable).parent / 'sae-movies'
HAVE_DATA = bool(os.environ.get('SAE_MOVIES_DATA')) and (Path(os.environ['SAE_MOVIES_DATA']) / 'ml-100k').is_dir()
needs_data = pytest.mark.skipif(not HAVE_DATA, reason='SAE_MOVIES_DATA does not point at a folder with ml-100k/')
SAE = 'ml-100k-u1-sae'  # shipped checkpoints, found by name from any folder
AUTOREC = 'ml-100k-u1-autorec'


def run(*args, **kw):
    return subprocess.run([str(SCRIPT), *map(str, args)], capture_output=True, text=True, timeout=900, **kw)


def last_json(r):
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_version_matches_settings():
    settings = (ROOT / 'settings.ini').read_text()
    assert f'version = {sae_movies.__version__}' in settings
    assert run('--version').stdout.strip() == sae_movies.__version__


def test_help_lists_every_command_on_stdout():
    r = run('--help')
    assert r.returncode == 0 and r.stderr == ''
    for cmd in ('data', 'models', 'train', 'evaluate', 'predict', 'compare', 'recommend', 'similar', 'tune'):
        assert re.search(rf'^\s+{cmd}\s+\w', r.stdout, re.M), cmd
    assert run().returncode == 2


def test_subcommand_help_shows_defaults_and_no_backticks_in_descriptions():
    flat = lambda cmd: ' '.join(run(cmd, '--help').stdout.split())
    train = flat('train')
    for opt, default in (('--model', 'autorec'), ('--data', 'ml-100k'), ('--split', 'u1 for rating models on ml-100k, random-0.1-seed0 on other data, users-150-seed0 for top-N models'), ('--seed', '0')):
        assert re.search(rf'{opt} \S+ .*?\(default: {re.escape(default)}\)', train), (opt, default)
    assert "--epochs EPOCHS most epochs (default: the model's own)" in train
    assert '(default: ml-100k)' in flat('compare') and '(default: 10)' in flat('evaluate')
    assert '--min-ratings' in flat('similar') and 'default: no minimum' in flat('similar')
    for cmd in ('train', 'evaluate', 'recommend'):
        assert not run(cmd, '--help').stdout.split('\n\n')[1].startswith('`')


def test_unknown_command_and_bad_usage_exit_2():
    assert run('nonsense').returncode == 2
    r = run('train', '--epochs', '0')
    assert r.returncode == 2 and '--epochs must be a positive whole number, got 0' in r.stderr and 'Traceback' not in r.stderr


def test_unknown_model_lists_the_registered_names():
    r = run('models', 'autorek')
    assert r.returncode == 2 and "unknown model 'autorek': choose one of autorec, autorec-user, deep-ae, sae" in r.stderr


def test_models_lists_every_model_with_one_line():
    r = run('models')
    for name in ('sae', 'autorec', 'autorec-user', 'deep-ae', 'ensemble', 'global-mean', 'movie-mean', 'bias', 'mf', 'popular'):
        assert re.search(rf'^{re.escape(name)}\s+(yes|no)\s+\S', r.stdout, re.M), name


def test_bad_dataset_folder_is_a_clear_error(tmp_path):
    (tmp_path / 'ml-100k').mkdir()
    r = run('data', 'ml-100k', '--path', tmp_path)
    assert r.returncode == 2
    assert 'u.data: required file is missing' in r.stderr and 'Traceback' not in r.stderr


def test_failed_download_leaves_no_folder_behind(tmp_path):
    target = tmp_path / 'new' / 'dir'
    offline = {**os.environ, 'https_proxy': 'http://127.0.0.1:9', 'HTTPS_PROXY': 'http://127.0.0.1:9', 'SAE_MOVIES_DATA': ''}
    r = run('data', 'ml-100k', '--path', target, env=offline)
    assert r.returncode == 2 and 'could not download' in r.stderr
    assert not (tmp_path / 'new').exists()


def test_garbage_checkpoint_says_what_it_is_not(tmp_path):
    (tmp_path / 'junk.pt').write_bytes(bytes(range(256)) * 4)
    r = run('evaluate', tmp_path / 'junk.pt')
    assert r.returncode == 2 and 'not a sae_movies checkpoint (not a PyTorch file at all)' in r.stderr
    assert 'KeyError' not in r.stderr and 'Traceback' not in r.stderr


@needs_data
def test_data_summary_json():
    r = run('data', 'ml-100k', '--json')
    assert r.returncode == 0, r.stderr
    summary = last_json(r)
    assert (summary['users'], summary['items'], summary['ratings']) == (943, 1682, 100_000)


@needs_data
def test_train_prints_rounded_explained_metrics_without_a_bar_in_the_log(tmp_path):
    out = tmp_path / 'sae.pt'
    r = run('train', '--model', 'sae', '--epochs', 5, '--out', out)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ''  # stderr is not a terminal here: no progress bar
    assert re.search(r'^rmse\s+\d\.\d{4}$', r.stdout, re.M), r.stdout
    assert not re.search(r'\d\.\d{6,}', r.stdout), r.stdout  # nothing unrounded
    assert 'coverage: share of test ratings the model scored itself' in r.stdout
    assert 'start-up before training' in r.stdout and out.is_file()
    again = run('train', '--model', 'sae', '--epochs', 5, '--out', out)
    assert 'replaced the one an earlier run left there' in again.stdout


@needs_data
def test_train_json_separates_startup_from_training(tmp_path):
    r = run('train', '--model', 'sae', '--epochs', 3, '--out', tmp_path / 's.pt', '--json')
    m = last_json(r)
    assert m['epochs'] == 3 and 0.8 < m['rmse'] < 1.3
    assert m['startup_seconds'] > 0 and 0 < m['fit_seconds']


@needs_data
def test_train_faithful_losses_are_the_course_figures(tmp_path):
    r = run('train', '--model', 'sae', '--faithful', '--epochs', 1, '--out', tmp_path / 'c.pt', '--json')
    assert r.returncode == 0, r.stderr
    from sae_movies.models import load_model
    history = load_model(tmp_path / 'c.pt').history
    assert len(history) == 1 and 1.5 < history.train_mse[0] ** 0.5 < 2.0  # the course prints ~1.77 after epoch 1


@needs_data
def test_evaluate_predict_and_wrong_split(tmp_path):
    r = run('evaluate', AUTOREC, '--json')
    assert r.returncode == 0, r.stderr
    m = last_json(r)
    for key in ('rmse', 'mae', 'user_rmse', 'coverage', 'precision@10', 'recall@10', 'ndcg@10', 'map@10'):
        assert key in m
    r = run('predict', AUTOREC, '--out', tmp_path / 'p.csv')
    lines = (tmp_path / 'p.csv').read_text().splitlines()
    assert lines[0] == 'user,item,rating,prediction' and len(lines) == 20_001
    r = run('evaluate', AUTOREC, '--split', 'u2')
    assert r.returncode == 2 and "trained on split 'u1'" in r.stderr


@needs_data
def test_compare_one_fold_shows_no_spread():
    r = run('compare', '--folds', 'u1', '--models', 'bias,mf')
    assert r.returncode == 0, r.stderr
    assert '±' not in r.stdout.split('where')[0]
    rows = last_json(run('compare', '--folds', 'u1', '--models', 'bias,mf', '--json'))
    assert {row['model'] for row in rows} == {'bias', 'mf'}


@needs_data
def test_recommend_table_echo_and_caps():
    r = run('recommend', AUTOREC, '--rate', 'star wars=5', '--rate', '181=4', '-n', 5)
    assert r.returncode == 0, r.stderr
    assert 'Star Wars (1977) (id 50) = 5' in r.stdout and 'Return of the Jedi (1983) (id 181) = 4' in r.stdout
    table = r.stdout.split('by autorec:\n')[1].splitlines()
    assert table[0].split() == ['movie_id', 'title', 'genres', 'score'] and "('" not in r.stdout  # genres joined, not tuples
    titles = [line[line.index(line.split()[1]):].split('  ')[0] for line in table[1:6]]
    assert all(re.search(r'\(\d{4}\)$', t) for t in titles), titles  # left-aligned titles carry their year once
    r = run('recommend', AUTOREC, '--user', 1, '-n', 100000)
    assert re.match(r'all 1,?\d{3} films that qualify for user 1 \(asked for 100000\)', r.stdout), r.stdout[:200]


@needs_data
def test_recommend_ranks_with_the_top_n_model_and_shows_stars():
    r = run('recommend', '--rate', 'Star Wars (1977)=5', '--rate', 'Fargo=4', '-n', 5, '--rating-model', AUTOREC, '--json')
    assert r.returncode == 0, r.stderr
    got = last_json(r)
    assert got['model'] == 'topn-ensemble' and len(got['recommendations']) == 5  # the shipped best top-N model is the default
    assert all(1 <= x['predicted_rating'] <= 5 for x in got['recommendations'])
    r = run('recommend', '--rate', 'Star Wars (1977)=5', '-n', 3, '--rating-model', AUTOREC)
    assert 'by topn-ensemble, stars predicted by autorec' in r.stdout and 'predicted' in r.stdout, r.stdout
    r = run('similar', '--movie', 'Star Wars (1977)', '-n', 5, '--json')  # the default model's similar movies: the sequels first
    assert {172, 181} <= {x['movie_id'] for x in last_json(r)['similar']}, r.stdout
    r = run('recommend', '--rate', 'Star Wars (1977)=5', '--rating-model', 'ml-100k-ease')
    assert r.returncode == 2 and 'cannot be the rating model' in r.stderr


@needs_data
def test_one_film_listed_twice_is_one_film():
    r = run('recommend', AUTOREC, '--rate', 'Chasing Amy (1997)=5', '--json', '-n', 2000)
    got = last_json(r)
    assert got['rated'][0]['movie_id'] == 268  # of ids 246 and 268, the one with more ratings names the film
    titles = [x['title'] for x in got['recommendations']]
    assert len(titles) == len(set(titles)) and 'Chasing Amy (1997)' not in titles


@needs_data
def test_half_star_is_refused_on_a_whole_star_dataset():
    r = run('recommend', AUTOREC, '--rate', 'Star Wars=4.5')
    assert r.returncode == 2 and "is not on ml-100k's scale: 1-5 in steps of 1" in r.stderr


@needs_data
def test_recommend_and_similar_errors():
    r = run('similar', SAE, '--movie', 'Toy Story', '-n', 3, '--json')
    assert r.returncode == 0 and len(last_json(r)['similar']) == 3
    for bad in (['recommend', AUTOREC, '--user', 99999], ['recommend', AUTOREC, '--user', 1, '-n', 0],
                ['similar', AUTOREC, '--movie', 'Toy Storyy Zzz']):
        r = run(*bad)
        assert r.returncode == 2 and 'error:' in r.stderr and 'Traceback' not in r.stderr


@needs_data
def test_readme_python_quick_start_runs_from_the_repo_root():
    readme = (ROOT / 'README.md').read_text()
    section = readme.split('## Quick start in Python')[1].split('\n## ')[0]
    code = '\n'.join(re.findall(r'```python\n(.*?)```', section, re.S))
    assert 'recommend' in code and 'recommend_new' in code
    r = subprocess.run([sys.executable, '-c', code], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr


@pytest.mark.skipif(not (HAVE_DATA and (Path(os.environ['SAE_MOVIES_DATA']) / 'ml-latest-small').is_dir()), reason='no ml-latest-small')
def test_ml_latest_small_end_to_end_with_half_stars(tmp_path):
    out = tmp_path / 'small.pt'
    r = run('train', '--model', 'autorec', '--data', 'ml-latest-small', '--split', 'random-0.1-seed0', '--out', out, '--json')
    assert r.returncode == 0, r.stderr
    m = last_json(r)
    assert m['n'] == 10_251 and 0.7 < m['rmse'] < 1.0  # a seeded tenth of 100,836 ratings, on the 0.5-5 scale
    assert run('evaluate', out, '--json').returncode == 0
    r = run('recommend', out, '--rate', 'Toy Story (1995)=4.5', '--rate', 'Heat (1995)=3.5', '-n', 3, '--json')
    assert r.returncode == 0, r.stderr
    assert [x['rating'] for x in last_json(r)['rated']] == [4.5, 3.5] and len(last_json(r)['recommendations']) == 3
