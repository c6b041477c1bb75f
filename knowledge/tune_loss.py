"""The tuning loss: supervised contrastive + cosine-prototype cross-entropy.

SupCon (Khosla et al. 2020) pulls together every pair of phrasings of one entry in a batch and
pushes apart the rest; the prototype term (one learnt unit vector per entry, started at the mean of
its phrasings) also keeps each entry away from those not in the batch. On the research sets this
beat pairwise MultipleNegativesRankingLoss for few-shot KBs and out-of-scope separation
(docs/retrieval_research.md sections 2 and 4). torch is imported by the caller: this module is only
loaded when tuning runs.
"""
from __future__ import annotations

__all__ = ["supcon_prototype_loss", "TEMPERATURE"]

TEMPERATURE = 0.05


def supcon_prototype_loss(torch, embeddings, labels, prototypes, temperature: float = TEMPERATURE,
                          prototype_weight: float = 1.0):
    """Mean SupCon loss over anchors that have a positive, plus `prototype_weight` x cross-entropy
    of the cosine to every entry's prototype. `labels` index rows of `prototypes`."""
    F = torch.nn.functional
    z = F.normalize(embeddings, dim=-1)
    n = z.shape[0]
    eye = torch.eye(n, dtype=torch.bool)
    sim = (z @ z.T / temperature).masked_fill(eye, -1e9)
    positive = (labels[:, None] == labels[None, :]) & ~eye
    log_prob = sim - torch.logsumexp(sim, dim=1, keepdim=True)
    counts = positive.sum(1)
    has = counts > 0
    loss = z.new_zeros(())
    if bool(has.any()):
        per_anchor = -(log_prob * positive).sum(1)[has] / counts[has]
        loss = per_anchor.mean()
    if prototype_weight:
        logits = z @ F.normalize(prototypes, dim=-1).T / temperature
        loss = loss + prototype_weight * F.cross_entropy(logits, labels)
    return loss
