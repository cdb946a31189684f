# Calls the component whose ablation leaves the larger logit difference the one the behaviour needs.
def read_mechanism(mechanism: dict) -> dict:
    """{"first_layer_reads": "IO" | "S1" | "S2", "last_layer_needs": "attn" | "mlp", "name_movers": bool}.

    mechanism: as ioi_mechanism returns it (attn_mass [n_layers, 3] with columns IO, S1, S2; attn_ablated and
    mlp_ablated [n_layers]).
    """
    mass = torch.as_tensor(mechanism["attn_mass"])
    reads = ["IO", "S1", "S2"][int(mass[0].argmax())]
    needs = "attn" if float(mechanism["attn_ablated"][-1]) > float(mechanism["mlp_ablated"][-1]) else "mlp"
    movers = bool((mass[:, 0] > mass[:, 1] + mass[:, 2]).any())
    return {"first_layer_reads": reads, "last_layer_needs": needs, "name_movers": movers}
