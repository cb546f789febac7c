"""Rating accuracy of every model, side by side, in one run: the goals of issue 9.

ML-100K `u1` with three seeds, the five folds `u1`..`u5` (seed 0), ml-latest-small on a seeded 90/10 split,
the fit time of the best single autoencoder (median of its three `u1` fits), and the speed-up of the SAE's fast
trainer over the course loop. Prints the tables and saves everything as JSON in bench/results/rating_accuracy.json.

    SAE_MOVIES_DATA=../shared/movielens .venv/bin/python bench/rating_accuracy.py [--quick]

`--quick` runs one seed on u1 only (a smoke test of the script, minutes instead of the better part of an hour).
"""
import argparse, json, os, platform, time
from pathlib import Path
import numpy as np, pandas as pd, torch
from sae_movies.data import load_dataset, to_dense
from sae_movies.core import atomic_write  # results replaced whole or not at all
from sae_movies.train import warm_up
from sae_movies.evaluate import cross_validate, cv_summary, compare_to_best
from sae_movies.sae import SAE, train_course

RATING_MODELS = ['autorec', 'autorec-user', 'deep-ae', 'sae', 'ensemble', 'mf', 'bias', 'movie-mean', 'global-mean']
AUTOENCODERS = ['autorec', 'autorec-user', 'deep-ae', 'sae']
ANCHORS = {'SVD++ (Surprise), u1..u5 mean': 0.922, 'GLocal-K, u1 (epoch picked on the test set)': 0.8889}
GOALS = {'u1: best single autoencoder': 0.890, 'u1: ensemble': 0.885, 'u1..u5 mean: best autoencoder': 0.895,
         'fit seconds of the best single autoencoder (median of 3)': 60, 'SAE fast trainer speed-up over the course loop': 200}

def histories(store):
    def keep(label, split, seed, model):
        if seed in (0, None) and model.history is not None and label not in store:
            store[label] = model.history.to_dict('list')
    return keep

def run(quick):
    out = {'machine': {'python': platform.python_version(), 'torch': torch.__version__, 'cpus': os.cpu_count(),
                       'threads': torch.get_num_threads(), 'platform': platform.platform()},
           'date': time.strftime('%Y-%m-%d %H:%M'), 'quick': quick, 'anchors': ANCHORS, 'goals': GOALS}
    warm_up()
    ml = load_dataset('ml-100k', download=False)
    seeds = (0,) if quick else (0, 1, 2)
    hist = {}
    t0 = time.perf_counter()
    u1 = cross_validate(RATING_MODELS, ml, ['u1'], seeds, on_fit=histories(hist))
    out['u1'] = json.loads(u1.to_json(orient='records')); out['histories_u1'] = hist
    print(f'u1, seeds {seeds} ({time.perf_counter() - t0:.0f} s)\n' + cv_summary(u1).to_string() + '\n', flush=True)
    if not quick:
        t0 = time.perf_counter()
        folds = cross_validate(RATING_MODELS, ml, ['u1', 'u2', 'u3', 'u4', 'u5'], (0,))
        out['folds'] = json.loads(folds.to_json(orient='records'))
        print(f'u1..u5, seed 0 ({time.perf_counter() - t0:.0f} s)\n' + cv_summary(folds).to_string() + '\n')
        print(compare_to_best(folds).round(4).to_string() + '\n', flush=True)
        small = load_dataset('ml-latest-small', download=False)
        t0 = time.perf_counter()
        sm = cross_validate(RATING_MODELS, small, ['random-0.1-seed0'], (0,))
        out['ml_latest_small'] = json.loads(sm.to_json(orient='records'))
        print(f'ml-latest-small, random 90/10, seed 0 ({time.perf_counter() - t0:.0f} s)\n' + cv_summary(sm).to_string() + '\n', flush=True)
    speed(out, ml, quick)
    goals(out, u1, folds if not quick else None)
    return out

def speed(out, ml, quick):
    split = ml.split('u1')
    fast = [SAE().fit(split.train, imap=ml.imap, scale=ml.info.rating_scale).fit_seconds for _ in range(5)]
    epochs = 20 if quick else 200
    t0 = time.perf_counter(); train_course(to_dense(split.train, ml.imap), epochs=epochs, progress=False); course = time.perf_counter() - t0
    course_200 = course * 200 / epochs
    out['speed'] = {'sae_fast_fit_seconds': fast, 'sae_fast_median': float(np.median(fast)), 'course_loop_seconds': course,
                    'course_loop_epochs': epochs, 'course_loop_seconds_for_200_epochs': course_200,
                    'speedup': course_200 / float(np.median(fast))}
    print(f"SAE fast trainer: median {np.median(fast):.3f} s of 5 warm fits; course loop {course:.1f} s for {epochs} epochs"
          f" -> speed-up {out['speed']['speedup']:.0f}x\n", flush=True)

def goals(out, u1, folds):
    g = u1.groupby('model').rmse.agg(['mean', 'std'])
    best_ae = g.loc[AUTOENCODERS, 'mean'].idxmin()
    fit = float(u1[u1.model == best_ae].fit_seconds.median())
    rows = [('u1: best single autoencoder', best_ae, g.at[best_ae, 'mean'], g.at[best_ae, 'std'], GOALS['u1: best single autoencoder']),
            ('u1: ensemble', 'ensemble', g.at['ensemble', 'mean'], g.at['ensemble', 'std'], GOALS['u1: ensemble'])]
    if folds is not None:
        f = folds.groupby('model').rmse.agg(['mean', 'std'])
        fb = f.loc[AUTOENCODERS, 'mean'].idxmin()
        rows.append(('u1..u5 mean: best autoencoder', fb, f.at[fb, 'mean'], f.at[fb, 'std'], GOALS['u1..u5 mean: best autoencoder']))
    rows.append(('fit seconds of the best single autoencoder (median of 3)', best_ae, fit, np.nan, GOALS['fit seconds of the best single autoencoder (median of 3)']))
    rows.append(('SAE fast trainer speed-up over the course loop', 'sae', out['speed']['speedup'], np.nan, GOALS['SAE fast trainer speed-up over the course loop']))
    t = pd.DataFrame(rows, columns=['goal', 'model', 'measured', 'std', 'target'])
    t['met'] = np.where(t.goal.str.contains('speed-up'), t.measured >= t.target, t.measured <= t.target)
    out['goal_table'] = json.loads(t.to_json(orient='records'))
    print(t.to_string(index=False))

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--quick', action='store_true', help='one seed, u1 only, 20 course epochs')
    p.add_argument('--out', default=str(Path(__file__).parent/'results'/'rating_accuracy.json'))
    a = p.parse_args()
    res = run(a.quick)
    atomic_write(Path(a.out), lambda tmp: tmp.write_text(json.dumps(res, indent=1)))
    print(f'\nsaved {a.out}')
