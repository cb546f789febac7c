"""How the ensemble's members and blend were chosen: on validation ratings only, in one run.

Every candidate member is fitted once on `u1.base` minus a 10% per-user validation carve (the carve `Ensemble` makes
with seed 0) and predicts the carved ratings from the rest. Each blend (a set of members; one weight per member, or
weights that move with the user's and the movie's log numbers of ratings; a ridge penalty) is then scored by 10-fold
cross-validation inside those validation ratings. `u1.test` is never read. Prints the table and saves
bench/results/ensemble_choice.json.

    SAE_MOVIES_DATA=../shared/movielens .venv/bin/python bench/ensemble_choice.py
"""
import json, time
from pathlib import Path
import numpy as np
from sae_movies.data import load_dataset, ratings_csr, per_user_holdout
from sae_movies.core import atomic_write  # results replaced whole or not at all
from sae_movies.models import model_class, parse_member, AUTOREC_RUNNERS_UP, EnsembleSettings, _cv_rmse  # the ensemble's own cross-validation

SEEDS = tuple(f'autorec:seed={k}' for k in range(1, 6))
OTHERS = ('autorec-user', 'deep-ae', 'sae', 'mf', 'bias')
BLENDS = {'before: autorec x3 seeds + autorec-user, deep-ae, sae, mf': ('autorec', *SEEDS[:2], *OTHERS[:4]),
          'autorec x6 seeds': ('autorec', *SEEDS),
          'autorec + 5 runners-up of the search': ('autorec', *AUTOREC_RUNNERS_UP),
          'autorec x6 seeds + the others': ('autorec', *SEEDS, *OTHERS),
          'autorec + 5 runners-up + the others': ('autorec', *AUTOREC_RUNNERS_UP, *OTHERS),
          'autorec + 5 runners-up + the others + autorec tanh (default)': EnsembleSettings().members}
TRIED = ('mf:n_factors=100:factor_reg=10', 'mf:n_factors=8', 'autorec:activation=tanh:weight_decay=0.004')  # extra members tried, one at a time
BLENDS.update({f'the default + {t}': (*EnsembleSettings().members, t) for t in TRIED})
ALPHAS = (1, 10, 100, 300, 1000)

def fit_member(spec, train, valid, ml, R):
    name, texts = parse_member(spec)
    cls = model_class(name)
    m = cls(**vars(cls.Settings.from_strings(name, texts)))
    if hasattr(m.settings, 'refit'): m.settings.refit = False  # as in the ensemble: validation stays unseen
    m.fit(train, valid, imap=ml.imap, scale=ml.info.rating_scale)
    return np.clip(m.predict(valid.user, valid.item, known=R), 1, 5), m.fit_seconds

def main():
    ml = load_dataset('ml-100k', download=False)
    s = per_user_holdout(ml.split('u1').train, ml.imap, frac=0.1, seed=0)
    train, valid, y = s.train, s.test, s.test.rating.to_numpy(np.float64)
    R = ratings_csr(train, ml.imap)
    RV = R + ratings_csr(valid, ml.imap)  # the counts the members score from once refitted
    z = np.log1p(np.column_stack([np.diff(RV.indptr)[ml.imap.users(valid.user)], np.diff(RV.tocsc().indptr)[ml.imap.items(valid.item)]]))
    T = np.column_stack([np.ones(len(y)), (z - z.mean(0)) / z.std(0)])  # as `Ensemble._support`
    specs = sorted({m for ms in BLENDS.values() for m in ms}, key=lambda m: (m != 'autorec', m))
    preds, members = {}, []
    for spec in specs:
        preds[spec], secs = fit_member(spec, train, valid, ml, R)
        members.append({'member': spec, 'valid_rmse': float(np.sqrt(np.mean((preds[spec] - y) ** 2))), 'fit_seconds': secs})
        print(f"{spec[:70]:70s} {members[-1]['valid_rmse']:.4f}", flush=True)
    rows, fold = [], np.random.default_rng(0).integers(0, 10, len(y))
    for label, ms in BLENDS.items():
        X = np.column_stack([preds[m] for m in ms])
        for support in (False, True):
            F = (X[:, :, None] * T[:, None, :]).reshape(len(y), -1) if support else X
            rows.append({'blend': label, 'by_support': support, **{f'alpha={a}': _cv_rmse(F, y, a, fold) for a in ALPHAS}})
    out = {'date': time.strftime('%Y-%m-%d %H:%M'), 'validation_ratings': len(y), 'members': members, 'blends': rows}
    Path('bench/results').mkdir(parents=True, exist_ok=True)
    atomic_write(Path('bench/results/ensemble_choice.json'), lambda tmp: tmp.write_text(json.dumps(out, indent=1)))
    import pandas as pd
    print('\nvalidation RMSE, 10-fold cross-validated inside the validation ratings\n' + pd.DataFrame(rows).round(4).to_string(index=False))

if __name__ == '__main__': main()
