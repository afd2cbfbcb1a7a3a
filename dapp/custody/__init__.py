"""What a hospital or pharmacy does with packs in hand: receive a delivery after scanning a few of
its packs (`deliveries`), and dispense, destroy or report stolen a scanned pack, or undo a
dispense, with the pack's Merkle proof found in the proof store (`packs`)."""
