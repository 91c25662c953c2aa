"""Tonight's score model: a loaded one, explicit weights, learned tonight, or the defaults."""

from __future__ import annotations

from engine.domain.contract import Campaign
from engine.night.options import RunOptions
from scoring.encoding import EncodedCampaign
from scoring.linear import DescribedScorer, LinearScore, PairScorer
from scoring.text import TextSimilarity
from scoring.training import ScoringContext, TrainingSettings, enough_labels, labelled_pairs
from scoring.training import train as train_scorer


def choose_scorer(
    campaign: Campaign,
    options: RunOptions,
    encoded: EncodedCampaign | None = None,
    text: TextSimilarity | None = None,
) -> PairScorer:
    """The score model of tonight's run: the given one (``run --model``), else explicit
    weights, else a model learned tonight from the campaign's history when it has enough
    labelled decisions, else the default weights. Its describe() says which, and why."""
    if options.scorer is not None:
        return options.scorer
    if options.weights:
        return LinearScore(options.weights)
    scoring = ScoringContext.of(campaign, encoded, text)
    labels = labelled_pairs(campaign, scoring.encoded)
    settings = TrainingSettings()
    if not enough_labels(labels, settings):
        return DescribedScorer(
            LinearScore(),
            {
                "source": f"default weights: {len(labels)} labelled decisions in the history, "
                f"fewer than {settings.min_labels} (or fewer than {settings.min_per_class} "
                "of an outcome) to learn from"
            },
        )
    trained = train_scorer(scoring, settings, random_state=options.seed)
    return DescribedScorer(
        trained.scorer,
        {
            "source": f"trained tonight on the campaign's {trained.labelled} labelled decisions",
            "training_data_sha256": trained.training_hash,
        },
    )
