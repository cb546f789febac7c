"""The popular library on the same folds: Surprise's SVD, SVD++, KNNBaseline and BaselineOnly on ML-100K u1..u5,
side by side with this package's figures from bench/results/rating_accuracy.json, in one run.

    pip install scikit-surprise   # not a dependency of sae_movies; only this script needs it
    SAE_MOVIES_DATA=../shared/movielens .venv/bin/python bench/libraries.py

Every model is fitted on the same `uK.base` ratings as read by `sae_movies.data` and scored on all of `uK.test`
(Surprise clips its predictions to 1-5, as this package's metrics do; unknown users or movies get Surprise's own
fallback). Settings are Surprise's defaults, plus the usual item-based pearson-baseline similarity for KNNBaseline.
Saves bench/results/libraries.json.
"""
import json, os, platform, time
from pathlib import Path
import numpy as np, pandas as pd
try: import surprise
except ImportError as e: raise SystemExit('bench/libraries.py needs Surprise: pip install scikit-surprise') from e
from sae_movies.data import load_dataset
from sae_movies.core import atomic_write  # results replaced whole or not at all

ALGOS = {'surprise SVD': lambda: surprise.SVD(random_state=0),
         'surprise SVD++': lambda: surprise.SVDpp(random_state=0),
         'surprise KNNBaseline (item, pearson-baseline)': lambda: surprise.KNNBaseline(
             sim_options={'name': 'pearson_baseline', 'user_based': False}, verbose=False),
         'surprise BaselineOnly': lambda: surprise.BaselineOnly(verbose=False)}

def fit_score(make, split):
    reader = surprise.Reader(rating_scale=(1, 5))
    train = surprise.Dataset.load_from_df(split.train[['user', 'item', 'rating']], reader).build_full_trainset()
    t0 = time.perf_counter(); algo = make().fit(train); fit = time.perf_counter() - t0
    pred = np.array([algo.predict(u, i).est for u, i in zip(split.test.user, split.test.item)])
    return float(np.sqrt(np.mean((pred - split.test.rating.to_numpy()) ** 2))), fit

def run():
    ml = load_dataset('ml-100k', download=False)
    rows = []
    for fold in ['u1', 'u2', 'u3', 'u4', 'u5']:
        split = ml.split(fold)
        for name, make in ALGOS.items():
            rmse, fit = fit_score(make, split)
            rows.append({'model': name, 'split': fold, 'rmse': rmse, 'fit_seconds': fit})
            print(f'{fold} {name}: {rmse:.4f} ({fit:.1f} s)', flush=True)
    return rows

def table(rows):
    ours = Path(__file__).parent/'results'/'rating_accuracy.json'
    df = pd.DataFrame(rows)
    if ours.exists():
        mine = pd.DataFrame(json.loads(ours.read_text())['folds'])[['model', 'split', 'rmse', 'fit_seconds']]
        df = pd.concat([df, mine.assign(model='sae_movies ' + mine.model)])
    g = df.groupby('model')
    return pd.DataFrame({'rmse mean': g.rmse.mean(), 'rmse std': g.rmse.std(), 'folds': g.size(),
                         'fit seconds (median)': g.fit_seconds.median()}).sort_values('rmse mean')

if __name__ == '__main__':
    rows = run()
    print('\nML-100K u1..u5, global RMSE (clipped), mean and std over folds\n' + table(rows).round(4).to_string())
    out = Path(__file__).parent/'results'/'libraries.json'
    atomic_write(out, lambda tmp: tmp.write_text(json.dumps({'date': time.strftime('%Y-%m-%d %H:%M'), 'machine': {'cpus': os.cpu_count(),
        'python': platform.python_version(), 'surprise': surprise.__version__}, 'rows': rows}, indent=1)))
    print(f'saved {out}')
