"""What the health app tells the apps above it without importing them.

`scores_written` is sent once a scoring run's scores have committed, with `as_of`, `computed_at`,
`account_ids` (the accounts the run wrote, a sorted list) and `current` (whether the run moved
CurrentHealth). The actions app connects its rules in `ActionsConfig.ready()`; a receiver runs in
the same process as the run (the same Celery task), after the commit.

`portfolio_scored` is sent once a whole-portfolio run has finished and the portfolio's own
figures are refreshed (health.portfolio_figures), in the process that finished it: the apps
above refresh what they keep of the whole portfolio (the forecast's kept figures, the lenses),
so the first page a VP opens after the nightly run reads them instead of computing them. Sent
robustly: a receiver's failure is logged and leaves its page to compute on request.

`feature_sources` lets an app above add feature columns the scorer reads (the actions app adds
the CSM's sentiment in force): name -> callable(as_of, restrict) returning a frame indexed by
account_id, where `restrict` is what `health.features` passes its own parts (None, a list of ids
or an AccountRange). A source that is one query grouped by account is best a
`health.features.GroupedSource`: a small rescore reads it in the same statement as health's own
grouped parts.
"""

import django.dispatch

scores_written = django.dispatch.Signal()
portfolio_scored = django.dispatch.Signal()
feature_sources: dict = {}
