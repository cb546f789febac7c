"""Top-N recommendation, every model side by side in one run: the goals of issue 10.

The strong-generalisation protocol of Liang et al. (WWW 2018) on ML-100K (150 validation and 150 test users) and
ml-latest-small (100 and 100), liked = rating >= 4, five seeds of the user split (the models' seeds follow it);
the per-user 20% holdout on ML-100K (seed 0) for comparison with the rating models; Mult-VAE's fit time.
Prints the tables and saves everything as JSON in bench/results/topn.json.

    SAE_MOVIES_DATA=../shared/movielens .venv/bin/python bench/topn.py [--quick]

`--quick` runs one seed on ML-100K only (a smoke test of the script). `--models a,b` runs only those models and puts
their rows into the saved bench/results/topn.json in place of their old ones (every figure of the others is seeded and
reproduces exactly; their fit times are from the run that made them): the file's `runs` lists which run made which rows.
"""
import argparse, json, os, platform, time
from pathlib import Path
import numpy as np, pandas as pd, torch
from sae_movies.data import load_dataset
from sae_movies.core import atomic_write  # results replaced whole or not at all
from sae_movies.train import warm_up
from sae_movies.models import model_class
from sae_movies.evaluate import topn_eval, ranking_eval

TOPN_MODELS = ['popular', 'item-knn', 'ease', 'edlae', 'dlae', 'watched-dlae', 'content-dlae', 'inf-ae', 'watched-inf-ae', 'mult-dae', 'mult-vae', 'topn-ensemble', 'autorec']
WITH_CONTENT = ['content-dlae'] # fitted with the dataset's movie features (`use_dataset`); every other model ranks from the ratings alone
# EASE is a (linear) autoencoder too, but it is the baseline the goals name. EDLAE is EASE trained as a denoising autoencoder
# (DLAE the same without EASE's zero diagonal in the fit; watched-dlae is DLAE with each training person's rated movies,
# any stars, as extra rows, and watched-inf-ae the same for inf-ae: they read the same ratings as every other model):
# the goals are reported for the best autoencoder with them and for the best nonlinear one without them (Mult-DAE and Mult-VAE,
# trained by gradient steps, and inf-ae and watched-inf-ae, the closed form of an infinitely wide one trained by gradient descent to convergence);
# the blend of EDLAE and Mult-DAE (topn-ensemble) is reported on its own line: two autoencoders, not one; so is DLAE with the
# movies' genres, years and tags as extra rows (content-dlae), which knows more than EASE and popularity do
AUTOENCODERS = {'best autoencoder': ['edlae', 'dlae', 'watched-dlae', 'inf-ae', 'watched-inf-ae', 'mult-dae', 'mult-vae'], 'best nonlinear autoencoder': ['inf-ae', 'watched-inf-ae', 'mult-dae', 'mult-vae'],
                'blend of autoencoders': ['topn-ensemble'], 'autoencoder with content': ['content-dlae']}
HELD_OUT = {'ml-100k': 150, 'ml-latest-small': 100}
PAPER_ML20M = {'mult-vae': {'ndcg@100': 0.426, 'recall@20': 0.395, 'recall@50': 0.537},
               'mult-dae': {'ndcg@100': 0.419, 'recall@20': 0.387, 'recall@50': 0.524},
               'ease': {'ndcg@100': 0.420, 'recall@20': 0.391, 'recall@50': 0.521}}
GOALS = {'best autoencoder ndcg@10 / ease ndcg@10': 1.0, 'best autoencoder ndcg@10 / popular ndcg@10': 2.0,
         'mult-vae fit seconds on ML-100K (median)': 60}

def make(name, seed, ds):
    cls = model_class(name)
    m = cls(**({'seed': seed} if 'seed' in cls.Settings.__dataclass_fields__ else {}))
    return m.use_dataset(ds) if name in WITH_CONTENT else m

def users_protocol(ds, seeds, models):
    rows = []
    for seed in seeds:
        split = ds.split(f'users-{HELD_OUT[ds.name]}-seed{seed}')
        for name in models:
            m = make(name, seed, ds)
            m.fit(split.train, None if m.predicts_ratings else split.valid, imap=ds.imap, scale=ds.info.rating_scale)
            rows.append({'dataset': ds.name, 'split': split.name, 'seed': seed, 'model': name, **topn_eval(m, split),
                         'fit_seconds': m.fit_seconds, 'setting chosen on validation': m.chosen()})
            print(f"{ds.name} seed {seed} {name:9s} ndcg@10 {rows[-1]['ndcg@10']:.4f} ndcg@100 {rows[-1]['ndcg@100']:.4f} ({m.fit_seconds:.1f} s)", flush=True)
    return rows

def per_user_protocol(ds, models):
    split, rows = ds.split('per-user-0.2-seed0'), []
    for name in models:
        m = make(name, 0, ds).fit(split.train, imap=ds.imap, scale=ds.info.rating_scale)
        rows.append({'dataset': ds.name, 'split': split.name, 'model': name, **ranking_eval(m, split, 10),
                     **{k: v for k, v in topn_eval(m, split).items() if k in ('ndcg@100', 'recall@20', 'recall@50')}})
    return rows

def summary(rows):
    df = pd.DataFrame(rows)
    cols = ['ndcg@10', 'ndcg@100', 'recall@20', 'recall@50', 'catalogue_coverage', 'popularity', 'fit_seconds']
    g = df.groupby(['dataset', 'model'], sort=False)[cols]
    return g.mean().round(4).astype(str) + ' ± ' + g.std(ddof=1).round(4).astype(str)

def goals(rows):
    df = pd.DataFrame(rows)
    mean = df.groupby(['dataset', 'model'])['ndcg@10'].mean()
    out = []
    for ds in df.dataset.unique():
        piv = df[df.dataset == ds].pivot(index='seed', columns='model', values='ndcg@10')
        for which, names in AUTOENCODERS.items():
            best = max(names, key=lambda m: mean[ds, m])
            out.append({'dataset': ds, 'goal': 'best autoencoder ndcg@10 / ease ndcg@10', 'autoencoders': which, 'best': best,
                        'value': mean[ds, best] / mean[ds, 'ease'], 'target': GOALS['best autoencoder ndcg@10 / ease ndcg@10']})
            d = piv[best] - piv['ease']  # is the difference to EASE inside the seed-to-seed spread? paired by seed
            out[-1].update(paired_difference=d.mean(), paired_spread=d.std(ddof=1) if len(d) > 1 else np.nan, seeds_ahead=f'{int((d > 0).sum())} of {len(d)}')
            out.append({'dataset': ds, 'goal': 'best autoencoder ndcg@10 / popular ndcg@10', 'autoencoders': which, 'best': best,
                        'value': mean[ds, best] / mean[ds, 'popular'], 'target': GOALS['best autoencoder ndcg@10 / popular ndcg@10']})
    fit = df[(df.dataset == 'ml-100k') & (df.model == 'mult-vae')].fit_seconds.median()
    out.append({'dataset': 'ml-100k', 'goal': 'mult-vae fit seconds on ML-100K (median)', 'value': fit, 'target': GOALS['mult-vae fit seconds on ML-100K (median)']})
    for r in out: r['met'] = bool(r['value'] <= r['target'] if 'seconds' in r['goal'] else r['value'] >= r['target'])
    return out

if __name__ == '__main__':
    ap = argparse.ArgumentParser(); ap.add_argument('--quick', action='store_true')
    ap.add_argument('--models', help='comma-separated: run only these and replace their rows in the saved results')
    a = ap.parse_args()
    models = TOPN_MODELS if a.models is None else a.models.split(',')
    if bad := set(models) - set(TOPN_MODELS): ap.error(f"--models: not in this benchmark: {', '.join(sorted(bad))}")
    warm_up()
    seeds = (0,) if a.quick else (0, 1, 2, 3, 4)
    path = Path(__file__).parent/'results'/('topn-quick.json' if a.quick else 'topn.json')
    run = {'date': time.strftime('%Y-%m-%d %H:%M'), 'models': models}
    out = {'machine': {'python': platform.python_version(), 'torch': torch.__version__, 'cpus': os.cpu_count(),
                       'threads': torch.get_num_threads(), 'platform': platform.platform()},
           'date': run['date'], 'quick': a.quick, 'paper_ml20m': PAPER_ML20M, 'goals': GOALS}
    if a.models:  # keep the other models' rows, in the benchmark's order
        old = json.loads(path.read_text())
        out['runs'] = old.get('runs', [{'date': old['date'], 'models': [m for m in TOPN_MODELS if m not in models]}]) + [run]
    t0 = time.perf_counter()
    rows = users_protocol(load_dataset('ml-100k', download=False), seeds, models)
    if not a.quick: rows += users_protocol(load_dataset('ml-latest-small', download=False), seeds, models)
    order = lambda rs: sorted(rs, key=lambda r: (r['dataset'] != 'ml-100k', r.get('seed', 0), (TOPN_MODELS + ['mf', 'sae']).index(r['model'])))
    if a.models: rows = order([r for r in old['users'] if r['model'] not in models] + rows)
    out['users'] = rows
    print(f'\nheld-out users, liked = rating >= 4, seeds {seeds} ({time.perf_counter() - t0:.0f} s)\n' + summary(rows).to_string())
    print('\nLiang et al. / Steck on ML-20M, for context (not run here):\n' + pd.DataFrame(PAPER_ML20M).T.to_string())
    out['per_user'] = per_user_protocol(load_dataset('ml-100k', download=False), models + (['mf', 'sae'] if a.models is None else []))
    if a.models: out['per_user'] = order([r for r in old['per_user'] if r['model'] not in models] + out['per_user'])
    print('\nper-user 20% holdout on ML-100K, seed 0\n' + pd.DataFrame(out['per_user']).set_index('model').drop(columns=['dataset', 'split']).round(4).to_string())
    out['goal_table'] = goals(rows)
    print('\ngoals\n' + pd.DataFrame(out['goal_table']).round(4).to_string())
    atomic_write(path, lambda tmp: tmp.write_text(json.dumps(out, indent=1, default=float)))
    print(f'saved {path}')
