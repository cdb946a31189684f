# Mistake: picks the optimiser explanation (a) for why antipodal pairs come first.
first_pair_instance = None   # your answer: an instance index, 0 to 7
why_pairs_first = None       # your answer: "a", "b", "c" or "d"
first_pair_instance = next(k for k in range(model_2d.n_inst)
                           if (torch.nn.functional.cosine_similarity(model_2d.W[k].T[:, None], model_2d.W[k].T[None, :], dim=-1)
                               [(model_2d.W[k].norm(dim=0) > 0.5)[:, None] & (model_2d.W[k].norm(dim=0) > 0.5)[None, :]]
                               < -0.95).any())
why_pairs_first = "a"
