"""How long a person waits for a list: single-user latency of `Recommender.recommend` and `recommend_new` for the
checkpoints shipped in models/ (the course SAE, I-AutoRec, the top-N model `recommend` uses by default and EASE) and of
Mult-VAE and inf-ae fitted on the spot, and the time to score every user, in one run.

    SAE_MOVIES_DATA=../shared/movielens .venv/bin/python bench/recommend_latency.py

Prints a table and saves it as bench/results/recommend_latency.json (medians and 95th percentiles over 200 calls,
after 20 warm-up calls; this machine is shared and noisy, so compare ratios rather than absolute times).
"""
import json, os, platform, tempfile, time
from pathlib import Path
import numpy as np, pandas as pd, torch
from sae_movies.data import load_dataset
from sae_movies.core import atomic_write  # results replaced whole or not at all
from sae_movies.models import model_class
from sae_movies.recommend import Recommender
from sae_movies.cli import RECOMMENDER  # the shipped top-N checkpoint that `recommend` uses by default

def timed(f, n):
    out = []
    for i in range(n):
        t = time.perf_counter(); f(i); out.append(time.perf_counter() - t)
    return np.array(out) * 1e3

def fresh(name, folder):
    "A model that is not shipped: fit it on the same split as the shipped top-N model and save it, to time it like the others."
    ds = load_dataset('ml-100k', download=False); split = ds.split('users-150-seed0'); path = folder/f'ml-100k-{name}.pt'
    model_class(name)().fit(split.train, split.valid, imap=ds.imap, scale=ds.info.rating_scale).save(path, {'name': ds.name, 'split': split.name})
    return path

def run():
    rows, tmp = [], Path(tempfile.mkdtemp())
    for name in ('ml-100k-u1-sae', 'ml-100k-u1-autorec', RECOMMENDER, 'ml-100k-ease', fresh('mult-vae', tmp), fresh('inf-ae', tmp)):
        t0 = time.perf_counter(); rec = Recommender.from_checkpoint(name); load = time.perf_counter() - t0
        name = Path(name).stem
        users = np.random.default_rng(0).choice(rec.imap.user_ids, 220)
        timed(lambda i: rec.recommend(int(users[i])), 20)
        known = timed(lambda i: rec.recommend(int(users[20 + i])), 200)
        fans = [{'Star Wars (1977)': 5, 'Fargo (1996)': 4, int(m): 3} for m in np.random.default_rng(1).choice([1, 127, 174, 181, 313], 200)]
        new = timed(lambda i: rec.recommend_new(fans[i]), 200)
        everyone = timed(lambda i: rec.model.score(rec.imap.user_ids), 5)
        rows.append({'checkpoint': name, 'model': rec.model.name, 'load + dataset (s)': load,
                     'recommend p50 (ms)': np.median(known), 'recommend p95 (ms)': np.percentile(known, 95),
                     'recommend_new p50 (ms)': np.median(new), 'recommend_new p95 (ms)': np.percentile(new, 95),
                     'score all users median (ms)': np.median(everyone)})
    return rows

if __name__ == '__main__':
    rows = run()
    t = pd.DataFrame(rows).set_index('checkpoint')
    print(t.round(2).to_string())
    out = Path(__file__).parent/'results'/'recommend_latency.json'
    atomic_write(out, lambda tmp: tmp.write_text(json.dumps({'date': time.strftime('%Y-%m-%d %H:%M'), 'machine': {'cpus': os.cpu_count(), 'torch': torch.__version__,
                                'threads': torch.get_num_threads(), 'python': platform.python_version(),
                                'load_average_1min': os.getloadavg()[0]}, 'rows': rows}, indent=1)))
    print(f'saved {out}')
