"""Movies nobody has rated and people who have rated almost nothing: the cold-start figures of issue 14, in one run.

Cold movies: a seeded 10% of the movies held out of training entirely (`cold_start_split`), five seeds; each person's
ranking of the held-out movies from their training ratings, Recall@20 (liked = rating >= 4), for chance, genre
popularity, "your genres", Mult-DAE (which has nothing to go on) and hybrid-dae, on ML-100K and ml-latest-small
(three seeds; with and without its tags, since a brand-new film has no tags yet).

Warm top-N and newcomers: the held-out-users protocol (ML-100K, 150 validation and 150 test users, five seeds of the
user split). Every model is fitted once per seed; its test users are then scored from 80% of their liked movies (as in
07_topn), and again as newcomers who have liked only 0, 1 or 3 movies (`newcomer_split`), the lists asked to find all
their other liked movies. The validation users get the same newcomer treatment, so that settings can be chosen there.
Models: popularity, EASE, Mult-DAE, hybrid-dae with its defaults and with one setting changed each (content dropout 0.1
and 0.25; the users' demographics, with user dropout 0.1, 0 and 0.25). On ML-100K the cold-movie part also fits hybrid-dae
with demographics. Saves everything as JSON in bench/results/content.json.

    SAE_MOVIES_DATA=../shared/movielens .venv/bin/python bench/content.py [--quick]

`--quick` runs one seed on ML-100K only (a smoke test of the script).
"""
import argparse, json, os, platform, time
from pathlib import Path
import numpy as np, pandas as pd, torch
from sae_movies.data import load_dataset, Split
from sae_movies.core import atomic_write  # results replaced whole or not at all
from sae_movies.train import warm_up
from sae_movies.baselines import MostPopular
from sae_movies.topn import MultDAE, EASE
from sae_movies.evaluate import topn_eval
from sae_movies.content import (HybridDAE, cold_start_split, cold_start_recall, chance_recall, genre_popularity,
                                user_genres, newcomer_split)
from sae_movies.features import dataset_features

DEMO = {'demographics': True}
HYBRIDS = {'hybrid-dae': {}, 'hybrid-dae (content dropout 0.1)': {'content_dropout': 0.1}, 'hybrid-dae (content dropout 0.25)': {'content_dropout': 0.25},
           'hybrid-dae (demographics)': DEMO, 'hybrid-dae (demographics, user dropout 0)': {**DEMO, 'user_dropout': 0.},
           'hybrid-dae (demographics, user dropout 0.25)': {**DEMO, 'user_dropout': 0.25}}
NEWCOMERS = (0, 1, 3)

def cold_rows(ds, seeds, tags=True):
    rows, feats, label = [], dataset_features(ds, tags), ds.name + ('' if tags else ' (no tags)')
    for seed in seeds:
        split = cold_start_split(ds.ratings, ds.imap, 0.1, seed)
        scores = {'chance': None, 'genre popularity': genre_popularity(split, feats), 'your genres': user_genres(split, feats)}
        fits = {'hybrid-dae': HybridDAE(seed=seed, tags=tags).use_dataset(ds)}
        if ds.users is not None: fits['hybrid-dae (demographics)'] = HybridDAE(seed=seed, tags=tags, **DEMO).use_dataset(ds)
        if tags: fits['mult-dae'] = MultDAE(seed=seed)
        for name, m in fits.items():
            m.fit(split.train, imap=ds.imap); scores[name] = m.score(ds.imap.user_ids)
        for name, S in scores.items():
            r = chance_recall(split) if S is None else cold_start_recall(S, split)
            rows.append({'dataset': label, 'seed': seed, 'model': name, 'recall@20': float(np.mean(r)), 'users': len(r),
                         'fit_seconds': fits[name].fit_seconds if name in fits else None})
        print(label, seed, {r['model']: round(r['recall@20'], 4) for r in rows[-len(scores):]}, flush=True)
    return rows

def makers(ds, seed):
    "label -> an unfitted model."
    return {'popular': MostPopular(), 'ease': EASE(), 'mult-dae': MultDAE(seed=seed),
            **{label: HybridDAE(seed=seed, **kw).use_dataset(ds) for label, kw in HYBRIDS.items()}}

def user_rows(ds, seeds):
    "Warm rows (80% given) and newcomer rows (0, 1, 3 given) of every model, test and validation users."
    warm, new = [], []
    for seed in seeds:
        split = ds.split(f'users-150-seed{seed}')
        valid_as_test = Split(split.name + '-valid', split.train, split.valid.iloc[:0], ds.imap, fold_in=split.valid)  # validation users, held out
        for name, m in makers(ds, seed).items():
            m.fit(split.train, split.valid, imap=ds.imap)
            warm.append({'dataset': ds.name, 'seed': seed, 'model': name, 'valid ndcg@100': getattr(m, 'valid_ndcg', None),
                         **topn_eval(m, split), 'fit_seconds': m.fit_seconds})
            for n in NEWCOMERS:
                for users, base in (('test', split), ('validation', valid_as_test)):
                    r = topn_eval(m, newcomer_split(base, n, seed))
                    new.append({'dataset': ds.name, 'seed': seed, 'model': name, 'given': n, 'users': users,
                                'ndcg@10': r['ndcg@10'], 'recall@20': r['recall@20']})
            print(ds.name, seed, name, f"ndcg@10 {warm[-1]['ndcg@10']:.4f}",
                  {n: round(r['ndcg@10'], 4) for r in new[-2 * len(NEWCOMERS):] if r['users'] == 'test' for n in [r['given']]}, flush=True)
    return warm, new

def table(rows, keys, cols):
    g = pd.DataFrame(rows).groupby(keys, sort=False)[cols]
    return g.mean().round(4).astype(str) + ' ± ' + g.std(ddof=1).round(4).astype(str)

def main():
    p = argparse.ArgumentParser(); p.add_argument('--quick', action='store_true'); a = p.parse_args()
    warm_up(); seeds = (0,) if a.quick else (0, 1, 2, 3, 4)
    out = {'machine': {'python': platform.python_version(), 'torch': torch.__version__, 'cpus': os.cpu_count(), 'threads': torch.get_num_threads()},
           'date': time.strftime('%Y-%m-%d %H:%M'), 'quick': a.quick, 'seeds': list(seeds)}
    ml = load_dataset('ml-100k', download=False)
    cold = cold_rows(ml, seeds)
    if not a.quick:
        small = load_dataset('ml-latest-small', download=False)
        cold += cold_rows(small, seeds[:3]) + cold_rows(small, seeds[:3], tags=False)  # three seeds: ten times the movies, minutes a fit
    warm, new = user_rows(ml, seeds)
    out['cold'], out['warm'], out['newcomers'] = cold, warm, new
    print('\nCold movies: Recall@20 on the held-out movies, mean ± std over seeds\n' + table(cold, ['dataset', 'model'], ['recall@20']).to_string())
    print('\nWarm top-N, held-out users (ML-100K)\n' + table(warm, ['model'], ['valid ndcg@100', 'ndcg@10', 'ndcg@100', 'recall@20', 'fit_seconds']).to_string())
    print('\nNewcomers (ML-100K): NDCG@10 with 0, 1, 3 liked movies given\n' + table(new, ['users', 'model', 'given'], ['ndcg@10']).unstack('given').to_string())
    Path('bench/results').mkdir(parents=True, exist_ok=True)
    atomic_write(Path('bench/results/content.json'), lambda tmp: tmp.write_text(json.dumps(out, indent=1)))

if __name__ == '__main__': main()
