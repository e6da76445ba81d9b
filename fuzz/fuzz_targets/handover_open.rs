//! A handover envelope as it arrives at `POST /api/v1/handover/inbox`: any
//! bytes are refused with a code (or, for a real sealed message, opened),
//! never a panic. The recipient and the one partner are fixed identities.
#![no_main]

use libfuzzer_sys::fuzz_target;
use safepath_crypto::handover::{DeploymentIdentity, PartnerKeys, open};
use std::sync::OnceLock;

fn keys() -> &'static (DeploymentIdentity, Vec<PartnerKeys>) {
    static KEYS: OnceLock<(DeploymentIdentity, Vec<PartnerKeys>)> = OnceLock::new();
    KEYS.get_or_init(|| {
        let me = DeploymentIdentity::from_secret_bytes(&[7; 32], &[8; 32]).unwrap();
        let partner = DeploymentIdentity::from_secret_bytes(&[9; 32], &[10; 32]).unwrap();
        (me, vec![partner.public().clone()])
    })
}

fuzz_target!(|data: &[u8]| {
    let (me, partners) = keys();
    let _ = open(me, partners, data, 1_800_000_000_000);
});
