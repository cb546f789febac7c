"""What side information buys I-AutoRec: genres and demographics switched on and off, in one run.

For ML-100K `u1` and ml-latest-small (seeded 90/10 split), three seeds each:
- validation RMSE: fitted on the training ratings minus 10% of each user's (carved with the seed), scored on
  that carve, no refit; this is what the choice to switch side information on rests on. `valid_rmse_warm` counts
  only the carve's ratings of movies with a rating left in training: the others (about 4% on ml-latest-small)
  are scored from an empty input by the ratings-only model and from their genres by the other, while at test
  time such movies get the bias baseline in both;
- test RMSE: fitted as the command line does (default settings, its own 5% carve, then the refit), scored on
  the split's test ratings (for reading only).
ml-latest-small has no demographics, so it runs the genre variants only. Prints the table and the paired
differences against the ratings-only model (and of genres + demographics against genres alone); "±" is the
standard deviation over the three seeds. Saves everything in bench/results/side_info.json.

    SAE_MOVIES_DATA=../shared/movielens .venv/bin/python bench/side_info.py
"""
import json, os, platform, time
from pathlib import Path
import numpy as np, pandas as pd, torch
from sae_movies.data import load_dataset, per_user_holdout
from sae_movies.core import atomic_write  # results replaced whole or not at all
from sae_movies.autorec import AutoRec
from sae_movies.metrics import rating_metrics

VARIANTS = {'ratings only': dict(genres=False, demographics=False), 'genres': dict(genres=True, demographics=False),
            'demographics': dict(genres=False, demographics=True), 'genres + demographics': dict(genres=True, demographics=True)}
RUNS = {'ml-100k': 'u1', 'ml-latest-small': 'random-0.1-seed0'}
SEEDS = (0, 1, 2)

def rmse(model, ratings, scale):
    return rating_metrics(ratings, np.clip(model.predict(ratings.user, ratings.item), *scale))['rmse']

def run_one(ds, split, variant, seed):
    "Validation and test RMSE of one variant and seed."
    kw, scale = VARIANTS[variant], ds.info.rating_scale
    carve = per_user_holdout(split.train, ds.imap, frac=0.1, seed=seed)
    v = AutoRec(seed=seed, refit=False, **kw).use_dataset(ds).fit(carve.train, carve.test, imap=ds.imap, scale=scale)
    t = AutoRec(seed=seed, **kw).use_dataset(ds).fit(split.train, imap=ds.imap, scale=scale)
    warm = carve.test[carve.test.item.isin(carve.train.item)]
    return {'dataset': ds.name, 'split': split.name, 'variant': variant, 'seed': seed, 'valid_rmse': rmse(v, carve.test, scale),
            'valid_rmse_warm': rmse(v, warm, scale), 'valid_cold_share': 1 - len(warm) / len(carve.test),
            'valid_best_epoch': v.best_epoch, 'test_rmse': rmse(t, split.test, scale), 'fit_seconds': t.fit_seconds, 'side': list(t.side_names)}

COMPARISONS = [(v, 'ratings only') for v in VARIANTS if v != 'ratings only'] + [('genres + demographics', 'genres')]
METRICS = ('valid_rmse', 'valid_rmse_warm', 'test_rmse')

def paired(rows):
    "Each variant against a baseline variant of the same dataset and seed: its mean and sd, the differences' mean and sd, seeds won."
    df, out = pd.DataFrame(rows), []
    for name, d in df.groupby('dataset', sort=False):
        by = {v: g.set_index('seed') for v, g in d.groupby('variant')}
        for variant, base in COMPARISONS:
            if variant not in by or base not in by: continue
            for m in METRICS:
                diff = by[variant][m] - by[base][m]
                out.append({'dataset': name, 'variant': variant, 'baseline': base, 'metric': m, 'mean': by[variant][m].mean(), 'std': by[variant][m].std(),
                            'diff_mean': diff.mean(), 'diff_std': diff.std(), 'seeds_better': int((diff < 0).sum()), 'seeds': len(diff)})
    return pd.DataFrame(out)

def main():
    out = {'machine': {'python': platform.python_version(), 'torch': torch.__version__, 'cpus': os.cpu_count(), 'platform': platform.platform()},
           'date': time.strftime('%Y-%m-%d %H:%M'), 'seeds': list(SEEDS), 'rows': []}
    for name, split_name in RUNS.items():
        ds = load_dataset(name, download=False); split = ds.split(split_name)
        variants = [v for v in VARIANTS if ds.users is not None or not VARIANTS[v]['demographics']]
        for variant in variants:
            for seed in SEEDS:
                r = run_one(ds, split, variant, seed); out['rows'].append(r)
                print(f"{name:16s} {variant:22s} seed {seed}: valid {r['valid_rmse']:.4f} (warm {r['valid_rmse_warm']:.4f})  test {r['test_rmse']:.4f}  ({r['fit_seconds']:.0f} s)", flush=True)
    table = paired(out['rows'])
    out['paired'] = json.loads(table.to_json(orient='records'))
    print('\n' + table.round(4).to_string(index=False))
    path = Path(__file__).parent/'results'/'side_info.json'
    atomic_write(path, lambda tmp: tmp.write_text(json.dumps(out, indent=1)))
    print(f'saved {path}')

if __name__ == '__main__': main()
