"""The attentive autoencoder beside Mult-VAE, Mult-DAE and EASE: the top-N figures of issue 14, in one run.

The strong-generalisation protocol of Liang et al. (WWW 2018) on ML-100K: 150 validation and 150 test users, liked =
rating >= 4, five seeds of the user split (the models' seeds follow it), every model with its defaults (settings
chosen on validation users only). Prints the table and saves everything as JSON in bench/results/attention.json.

    SAE_MOVIES_DATA=../shared/movielens .venv/bin/python bench/attention.py [--quick]

`--quick` runs one seed (a smoke test of the script).
"""
import argparse, json, os, platform, time
from pathlib import Path
import pandas as pd, torch
from sae_movies.data import load_dataset
from sae_movies.core import atomic_write  # results replaced whole or not at all
from sae_movies.train import warm_up
from sae_movies.models import model_class
from sae_movies.evaluate import topn_eval

MODELS = ['popular', 'ease', 'mult-dae', 'mult-vae', 'attentive-ae']

def main():
    p = argparse.ArgumentParser(); p.add_argument('--quick', action='store_true'); a = p.parse_args()
    warm_up(); seeds = (0,) if a.quick else (0, 1, 2, 3, 4)
    ml, rows = load_dataset('ml-100k', download=False), []
    for seed in seeds:
        split = ml.split(f'users-150-seed{seed}')
        for name in MODELS:
            cls = model_class(name)
            m = cls(**({'seed': seed} if 'seed' in cls.Settings.__dataclass_fields__ else {}))
            m.fit(split.train, split.valid, imap=ml.imap)
            rows.append({'dataset': ml.name, 'seed': seed, 'model': name, **topn_eval(m, split), 'fit_seconds': m.fit_seconds})
            print(f"seed {seed} {name:12s} ndcg@10 {rows[-1]['ndcg@10']:.4f} ndcg@100 {rows[-1]['ndcg@100']:.4f} ({m.fit_seconds:.1f} s)", flush=True)
    cols = ['ndcg@10', 'ndcg@100', 'recall@20', 'recall@50', 'catalogue_coverage', 'popularity', 'fit_seconds']
    g = pd.DataFrame(rows).groupby('model', sort=False)[cols]
    print('\nML-100K, held-out users, mean ± std over seeds\n' + (g.mean().round(4).astype(str) + ' ± ' + g.std(ddof=1).round(4).astype(str)).to_string())
    out = {'machine': {'python': platform.python_version(), 'torch': torch.__version__, 'cpus': os.cpu_count(), 'threads': torch.get_num_threads()},
           'date': time.strftime('%Y-%m-%d %H:%M'), 'quick': a.quick, 'seeds': list(seeds), 'runs': rows}
    Path('bench/results').mkdir(parents=True, exist_ok=True)
    atomic_write(Path('bench/results/attention.json'), lambda tmp: tmp.write_text(json.dumps(out, indent=1)))

if __name__ == '__main__': main()
