"""What Mult-VAE and Mult-DAE cost per epoch as the data grows (1M, 10M, 25M synthetic ratings, as in bench/scale.py),
in three forms: `dense` (a dense input batch, the full softmax), `sparse` (the first layer reads a `RatingPattern`, the
full softmax) and `sampled` (a `RatingPattern` and a sampled softmax of the batch's liked movies plus `softmax_sample`
others; where those are the whole catalogue it is the full softmax). The `default` column is the form the model picks
by itself (`sparse_input_above`, `sampled_softmax_above`).

An epoch of either model at 25M ratings takes minutes on this machine, so each measurement trains the model's own
`_train` for one epoch on a random `--batches` batches' worth of the liked users (same catalogue, same people's
histories) and projects the full epoch from it: seconds x all users / users timed. Every measurement runs in a fresh
process (peak memory is its own). Prints a table and saves bench/results/mult_scale.json. This machine is shared and
noisy: compare ratios. PyTorch is asked for huge pages and the processor to treat denormal floats as zero, as
`sae-movies` does (`THP_MEM_ALLOC_ENABLE=0` and `SAE_MOVIES_FLUSH_DENORMAL=0` turn them off).

    .venv/bin/python bench/mult_scale.py [--sizes 1m,10m,25m] [--keep DIR] [--batches 8]
"""
import sys, tempfile, time
from pathlib import Path
import numpy as np, pandas as pd
sys.path.insert(0, str(Path(__file__).parent))
from scale import SIZES, peak_gb, measure, save_results, as_the_command, answer_child, bench_args, huge_pages, flush_denormal

def child(kind, folder, release, batches):
    "One measurement in this (fresh) process; returns a dict."
    as_the_command()
    from sae_movies.data import load_dataset, ratings_csr
    from sae_movies.models import model_class
    name, form = kind.rsplit(':', 1)
    ds = load_dataset(release, path=folder)
    m = model_class(name)(valid_frac=0, epochs=1, threads=0); m.imap = ds.imap
    n = ds.imap.n_items
    default = 'sampled' if n > m.sampled_softmax_above else 'sparse' if n > m.sparse_input_above else 'dense'
    m.sparse_input_above = 1 << 62 if form == 'dense' else 0  # instrumentation: each form at any size
    m.sampled_softmax_above = 0 if form == 'sampled' else 1 << 62
    Rb = m.binary(ratings_csr(ds.ratings, ds.imap))
    users = np.flatnonzero(Rb.getnnz(1) > 0)
    timed = np.sort(np.random.default_rng(0).choice(users, min(len(users), batches * m._batch_rows(Rb.shape[1])), replace=False))
    res = m._train(Rb[timed], None, 0., False)  # one epoch of the model's own training, on the timed users
    return {'default': default, 'epoch_s': res['seconds'] * len(users) / len(timed), 'users_timed': len(timed), 'liked_users': len(users),
            'likes': int(Rb.nnz), 'batch_rows': m._batch_rows(Rb.shape[1]), 'peak_gb': peak_gb()}

def run(sizes, keep, batches):
    from sae_movies.synth import synthesize
    root, rows = Path(keep or tempfile.mkdtemp()), []
    for size in sizes:
        n_users, n_movies, n_ratings, release = SIZES[size]
        folder = root/f'{release}-{size}'
        if not folder.exists(): synthesize(folder, n_users, n_movies, n_ratings, release, seed=0)
        for name in ('mult-vae', 'mult-dae'):
            row = {'size': size, 'ratings': n_ratings, 'movies': n_movies, 'model': name}
            for form in ('dense', 'sparse', 'sampled'):
                r = measure(f'{name}:{form}', folder, release, batches, __file__)
                row.update({f'{form}_epoch_s': r['epoch_s'], f'{form}_peak_gb': r['peak_gb']}, likes=r['likes'], users_timed=r['users_timed'], default=r['default'])
            row['sparse speed-up'] = row['dense_epoch_s'] / row['sparse_epoch_s']
            row['sampled speed-up'] = row['dense_epoch_s'] / row['sampled_epoch_s']
            rows.append(row); print(pd.DataFrame([row]).round(2).to_string(index=False), flush=True)
    return rows

if __name__ == '__main__':
    answer_child(child)
    a = bench_args(__doc__, batches=(8, 'batches of users timed per measurement')).parse_args()
    t0 = time.perf_counter()
    t = pd.DataFrame(run(a.sizes.split(','), a.keep, a.batches))
    print('\nprojected seconds per epoch (one epoch on a sample of users, scaled to all of them):\n' + t.round(2).to_string(index=False))
    save_results(Path(__file__).parent/'results'/'mult_scale.json', t0, rows=t.to_dict(orient='records'), batches=a.batches, threads='all cores (threads=0)',
                 huge_pages=huge_pages(), flush_denormal=flush_denormal())
