"""Which members should the top-N blend (`topn-ensemble`, 08_models) have? Chosen on validation users only.

On each seed of the held-out-users split (ML-100K: `users-150-seedS`, ml-latest-small: `users-100-seedS`), the
validation users are halved at random: every candidate model is fitted on the training users and early-stops on half A;
each candidate blend chooses its weights on half A, as `topn-ensemble` does; then every single model and blend is scored
on half B (80% of each person's liked movies given, 20% sought, NDCG@100 as in validation, NDCG@10 beside it). The test
users are never read. Five seeds; prints the table and the paired differences against EDLAE alone, and saves them in
bench/results/topn_members.json.

    SAE_MOVIES_DATA=../shared/movielens .venv/bin/python bench/topn_members.py [--quick]

`--quick` runs one seed on ML-100K only.
"""
import argparse, json, os, platform, time
from pathlib import Path
import numpy as np, pandas as pd, torch
from sae_movies.data import load_dataset, ratings_csr
from sae_movies.core import atomic_write  # results replaced whole or not at all
from sae_movies.train import warm_up
from sae_movies.models import model_class, TopNEnsemble
from sae_movies.topn import heldout_ndcg

SINGLES = ['ease', 'edlae', 'dlae', 'watched-dlae', 'inf-ae', 'watched-inf-ae', 'mult-dae', 'mult-vae', 'item-knn']
BLENDS = [('edlae', 'mult-dae'), ('dlae', 'mult-dae'), ('edlae', 'mult-vae'), ('dlae', 'mult-vae'), ('ease', 'mult-dae'), ('edlae', 'item-knn'), ('edlae', 'ease'),
          ('edlae', 'mult-dae', 'mult-vae'), ('edlae', 'mult-dae', 'item-knn'),
          ('watched-dlae', 'mult-dae'), ('watched-dlae', 'inf-ae'), ('watched-dlae', 'watched-inf-ae'), ('edlae', 'watched-inf-ae'), ('watched-dlae', 'mult-dae', 'watched-inf-ae')]
HELD_OUT = {'ml-100k': 150, 'ml-latest-small': 100}

def blend(fitted:dict, names:tuple, seed:int, pair_a):
    "A `topn-ensemble` over already fitted members, its weights chosen on half A."
    e = TopNEnsemble(members=names, seed=seed)
    e.members, e.imap = [fitted[n] for n in names], fitted[names[0]].imap
    e._choose_weights(pair_a)
    return e

def one_seed(ds, seed:int)->list:
    split = ds.split(f'users-{HELD_OUT[ds.name]}-seed{seed}')
    users = np.unique(split.valid.user.to_numpy())
    a = np.random.default_rng(seed).permutation(users)[:len(users) // 2]
    valid_a, valid_b = split.valid[split.valid.user.isin(a)], split.valid[~split.valid.user.isin(a)]
    fitted, rows = {}, []
    for name in SINGLES:
        fitted[name] = model_class(name)(seed=seed).fit(split.train, valid_a, imap=ds.imap, scale=ds.info.rating_scale)
    ref = fitted['edlae']  # builds the validation pairs: the same seeded 80/20 fold-in for every model
    R = ratings_csr(split.train, ds.imap)
    pair = lambda V: ref._validation(ref.binary(R), ratings_csr(V, ds.imap), values=R + ratings_csr(V, ds.imap))
    pair_a, (H, T, rows_b) = pair(valid_a), pair(valid_b)
    candidates = {n: m for n, m in fitted.items()} | {' + '.join(b): blend(fitted, b, seed, pair_a) for b in BLENDS}
    for name, m in candidates.items():
        S = m._score(rows_b, H)
        rows.append({'dataset': ds.name, 'seed': seed, 'candidate': name, 'ndcg@100': heldout_ndcg(S, H, T, 100), 'ndcg@10': heldout_ndcg(S, H, T, 10),
                     'weights': list(map(float, m.weights)) if isinstance(m, TopNEnsemble) else None})
        print(f"{ds.name} seed {seed} {name:28s} ndcg@100 {rows[-1]['ndcg@100']:.4f} ndcg@10 {rows[-1]['ndcg@10']:.4f} {rows[-1]['weights'] or ''}", flush=True)
    return rows

def tables(rows):
    df = pd.DataFrame(rows)
    g = df.groupby(['dataset', 'candidate'], sort=False)[['ndcg@100', 'ndcg@10']]
    summary = g.mean().round(4).astype(str) + ' ± ' + g.std(ddof=1).round(4).astype(str)
    paired = []
    for (ds, cand), d in df.groupby(['dataset', 'candidate'], sort=False):
        base = df[(df.dataset == ds) & (df.candidate == 'edlae')].set_index('seed')['ndcg@100']
        diff = d.set_index('seed')['ndcg@100'] - base
        paired.append({'dataset': ds, 'candidate': cand, 'ndcg@100 - edlae': diff.mean(), 'spread': diff.std(ddof=1) if len(diff) > 1 else np.nan,
                       'seeds ahead': f'{int((diff > 0).sum())} of {len(diff)}'})
    return summary, pd.DataFrame(paired).set_index(['dataset', 'candidate'])

if __name__ == '__main__':
    ap = argparse.ArgumentParser(); ap.add_argument('--quick', action='store_true'); a = ap.parse_args()
    warm_up()
    seeds = (0,) if a.quick else (0, 1, 2, 3, 4)
    t0, rows = time.perf_counter(), []
    for name in (['ml-100k'] if a.quick else ['ml-100k', 'ml-latest-small']):
        ds = load_dataset(name, download=False)
        for seed in seeds: rows += one_seed(ds, seed)
    summary, paired = tables(rows)
    print(f'\nhalf B of the validation users, seeds {seeds} ({time.perf_counter() - t0:.0f} s)\n' + summary.to_string())
    print('\npaired against EDLAE alone (NDCG@100 on half B)\n' + paired.round(4).to_string())
    out = {'machine': {'python': platform.python_version(), 'torch': torch.__version__, 'cpus': os.cpu_count()},
           'date': time.strftime('%Y-%m-%d %H:%M'), 'quick': a.quick, 'rows': rows}
    path = Path(__file__).parent/'results'/('topn_members-quick.json' if a.quick else 'topn_members.json')
    atomic_write(path, lambda tmp: tmp.write_text(json.dumps(out, indent=1, default=float)))
    print(f'saved {path}')
