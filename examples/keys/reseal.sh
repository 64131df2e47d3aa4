#!/bin/sh
# Regenerates every SealedSecret in the example estate with the TEST-ONLY
# certificate in this folder. All plaintexts below are fake on purpose.
# Sealing is randomised: each run changes every ciphertext, so commit the
# results together. Check them afterwards with:
#   python3 keys/seal.py verify --key keys/sealed-secrets.key $(grep -rl 'kind: SealedSecret' --include=*.yaml .)
set -eu
cd "$(dirname "$0")/.."

seal() {
  out=$1; ns=$2; name=$3; shift 3
  python3 keys/seal.py seal --cert keys/sealed-secrets.crt \
    --namespace "$ns" --name "$name" \
    --comment "TEST-ONLY SealedSecret: sealed with examples/keys/sealed-secrets.crt, a published test key." \
    --comment "Regenerate with examples/keys/reseal.sh. Every plaintext is fake." \
    -o "$out" "$@"
}

SSH_KEY='-----BEGIN OPENSSH PRIVATE KEY-----\nTEST-ONLY-not-a-real-ssh-private-key\n-----END OPENSSH PRIVATE KEY-----\n'

# --- hub-and-spoke: gitops-system --------------------------------------------
for c in prod-eu staging-eu; do
  seal hub-and-spoke/gitops-system/clusters-config/$c/secrets/flux-system-git-credentials.yaml \
    flux-system flux-system --escapes \
    --literal "identity=$SSH_KEY" \
    --literal "identity.pub=ssh-ed25519 TEST-ONLY-not-a-real-public-key flux@$c" \
    --literal "known_hosts=git.example.com ecdsa-sha2-nistp256 TEST-ONLY-not-a-real-host-key"
  seal hub-and-spoke/gitops-system/workloads/$c/git-credentials.yaml \
    flux-system gitops-workloads \
    --literal "username=TEST-ONLY-gitops-reader-$c" \
    --literal "password=TEST-ONLY-not-a-real-password"
done

# --- hub-and-spoke: gitops-workloads -----------------------------------------
for c in prod-eu staging-eu; do
  seal hub-and-spoke/gitops-workloads/$c/payment-app/git-credentials.yaml \
    payments payment-app-git \
    --literal "username=TEST-ONLY-payments-reader-$c" \
    --literal "password=TEST-ONLY-not-a-real-token"
done

# --- hub-and-spoke: payment-app ----------------------------------------------
for env in production staging; do
  seal hub-and-spoke/payment-app/overlays/$env/sealed-secret.yaml \
    payments payment-app-db \
    --literal "DB_USERNAME=TEST-ONLY-payments-$env" \
    --literal "DB_PASSWORD=TEST-ONLY-not-a-real-password" \
    --literal "PAYMENT_PROVIDER_API_KEY=TEST-ONLY-not-a-real-api-key-$env"
done

# --- apps-infra ----------------------------------------------------------------
seal apps-infra/apps/clusters/prod/echo-server-api-token.yaml \
  echo echo-server-api-token \
  --literal "API_TOKEN=TEST-ONLY-not-a-real-token"

# --- argocd: cluster registrations (labels drive the clusters generators) ----
argo_cluster() {
  name=$1; env=$2; server=$3
  seal argocd/components/cluster-secrets/$name.yaml argocd cluster-$name \
    --template-label argocd.argoproj.io/secret-type=cluster \
    --template-label fleet.example.com/managed=true \
    --template-label fleet.example.com/env=$env \
    --literal "name=$name" \
    --literal "server=$server" \
    --literal 'config={"bearerToken":"TEST-ONLY-not-a-real-token","tlsClientConfig":{"insecure":false,"caData":"VEVTVC1PTkxZLW5vdC1hLXJlYWwtY2E="}}'
}
argo_cluster dev-us-east dev https://4f1a2b3c5d6e.gr7.us-east-1.eks.amazonaws.com
argo_cluster prod-us-east prod https://9c8d7e6f5a4b.yl4.us-east-1.eks.amazonaws.com
argo_cluster prod-eu-west prod https://1a2b3c4d5e6f.sk1.eu-west-1.eks.amazonaws.com

# --- fleet ---------------------------------------------------------------------
seal fleet/infrastructure/overlays/production/alertmanager-slack.yaml \
  monitoring alertmanager-slack \
  --literal "slack-webhook-url=https://hooks.slack.example.com/services/TEST-ONLY-not-a-real-webhook"

echo "sealed: $(grep -rl 'kind: SealedSecret' --include=*.yaml . | wc -l) files"
