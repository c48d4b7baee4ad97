// Every word the operator writes for people and scripts to match on: the
// condition types and reasons in status, the Event reasons, and the
// annotation keys on the objects it owns or reads. One place, so a reason is
// never spelled twice (DESIGN.md "Fixed names").
#ifndef CERTSTORE_ENGINE_REASONS_H_
#define CERTSTORE_ENGINE_REASONS_H_

namespace certstore::engine {

// ---- Condition types ------------------------------------------------------
constexpr char kConditionReady[] = "Ready";
constexpr char kConditionIssuing[] = "Issuing";

// ---- Why a certificate is issued (or not): the issuance policy chain
// (issuance_policy.h); the reason feeds the Issuing condition, the Event and
// the issuance metric.
constexpr char kReasonInitial[] = "Initial";
constexpr char kReasonMissing[] = "CertificateMissing";
constexpr char kReasonKeyMismatch[] = "KeyMismatch";
constexpr char kReasonIssuerChanged[] = "IssuerChanged";
constexpr char kReasonSpecChanged[] = "SpecChanged";
constexpr char kReasonExpired[] = "Expired";
constexpr char kReasonRenewal[] = "Renewal";
// A person asked for a new certificate (kRenewRequestAnnotation).
constexpr char kReasonRequested[] = "Requested";
constexpr char kReasonUpToDate[] = "UpToDate";
// Issuing=False: a due renewal waits for a maintenance window
// (spec.renewal.windows; engine/renewal_window.h).
constexpr char kReasonWaitingForWindow[] = "WaitingForWindow";

// ---- Ready=True ------------------------------------------------------------
constexpr char kReasonReady[] = "Ready";
constexpr char kReasonIssued[] = "Issued";

// ---- Ready=False: what stops a CertStore ----------------------------------
constexpr char kReasonInvalidSpec[] = "InvalidSpec";
constexpr char kReasonCrossNamespaceRefused[] = "CrossNamespaceRefused";
// Every refusal by an issuer's policy.
constexpr char kReasonPolicyDenied[] = "PolicyDenied";
constexpr char kReasonIssuerNotFound[] = "IssuerNotFound";
constexpr char kReasonIssuerNotReady[] = "IssuerNotReady";
constexpr char kReasonCaSecretMissing[] = "CASecretMissing";
// Issuers only: the CA cannot be loaded.
constexpr char kReasonCaNotReady[] = "CANotReady";
constexpr char kReasonSecretConflict[] = "SecretConflict";
// spec.export names a ConfigMap this CertStore does not own.
constexpr char kReasonExportConflict[] = "ExportConflict";
constexpr char kReasonInputNotFound[] = "InputNotFound";
constexpr char kReasonRenderFailed[] = "RenderFailed";
constexpr char kReasonSecretWriteFailed[] = "SecretWriteFailed";

// ---- Event reasons ---------------------------------------------------------
constexpr char kEventStoresUpdated[] = "StoresUpdated";
constexpr char kEventRootCreated[] = "RootCreated";
// A selfSigned issuer replaced its root before expiry (a rotation follows),
// or must not (Blocked: the status message and renewalTime say why), or
// could not write it (Failed: retried with backoff).
constexpr char kEventRootRenewed[] = "RootRenewed";
constexpr char kEventRootRenewalBlocked[] = "RootRenewalBlocked";
constexpr char kEventRootRenewalFailed[] = "RootRenewalFailed";
// An intermediate issuer obtained its CA from its parent, or a new one
// (renewal time, parent CA or policy changed).
constexpr char kEventIntermediateIssued[] = "IntermediateIssued";
constexpr char kEventIntermediateRenewed[] = "IntermediateRenewed";
constexpr char kEventCaRotationStarted[] = "CARotationStarted";
constexpr char kEventCaRotationWaiting[] = "CARotationWaiting";
constexpr char kEventCaRotationProceeded[] = "CARotationProceeded";
constexpr char kEventTrustDistributed[] = "TrustDistributed";
constexpr char kEventCertificatesReissued[] = "CertificatesReissued";
constexpr char kEventCaRotationComplete[] = "CARotationComplete";
// A Secret deleted and created again because its type changed
// (spec.secretType).
constexpr char kEventSecretTypeChanged[] = "SecretTypeChanged";
// The export ConfigMap was written (spec.export).
constexpr char kEventExported[] = "Exported";

// TrustBundle reasons and Events.
constexpr char kReasonSourceUnavailable[] = "SourceUnavailable";
constexpr char kReasonTargetConflict[] = "TargetConflict";
constexpr char kReasonTargetWriteFailed[] = "TargetWriteFailed";
constexpr char kReasonTrustBundleNotFound[] = "TrustBundleNotFound";
constexpr char kEventTargetWritten[] = "TargetWritten";
constexpr char kEventTargetRemoved[] = "TargetRemoved";
// The labels on every object a TrustBundle writes: the bundle's name (for
// people; omitted past 63 characters) and its UID (its targets are listed
// by it; ownership is still the controller ownerReference's UID).
constexpr char kTrustBundleLabel[] = "certstore.dev/trustbundle";
constexpr char kTrustBundleUidLabel[] = "certstore.dev/trustbundle-uid";
// On a TrustBundle's truststore Secret: digests of what it was written for
// (certificates, password, keys) and of the data written, so that a pass
// keeps it without opening the stores.
constexpr char kBundleContentAnnotation[] = "certstore.dev/bundle-content";

// ---- Annotations on the Secrets the operator writes -----------------------
constexpr char kCertStoreAnnotation[] = "certstore.dev/certstore";
// The same name as a label, for tools that select or lift labels (expiry
// exporters, kubectl -l); omitted when the name exceeds 63 characters.
constexpr char kCertStoreLabel[] = "certstore.dev/certstore";
// "Kind/name" of the issuer that signed the stores (main Secrets), or of the
// issuer whose root a CA Secret holds.
constexpr char kIssuerAnnotation[] = "certstore.dev/issuer";
constexpr char kIdentityHashAnnotation[] = "certstore.dev/identity-hash";
constexpr char kRenderHashAnnotation[] = "certstore.dev/render-hash";
constexpr char kRevisionAnnotation[] = "certstore.dev/revision";
// "name/key" of the password Secret the stores were last written with (so a
// changed reference can still open them once, to keep the certificate).
constexpr char kPasswordRefAnnotation[] = "certstore.dev/password-ref";
// The operator's seal over a Secret it wrote (engine/seal.h): a MAC, under a
// key only the operator holds, of the Secret's data digest and of what the
// data was made from. It lets a restarted operator know "still exactly what
// was written, for these inputs" without opening the stores.
constexpr char kSealAnnotation[] = "certstore.dev/seal";
// The annotation a selfSigned issuer's CA Secret carries: the issuer's UID.
// Not an ownerReference: deleting an issuer must never garbage-collect a CA
// key (DESIGN.md "Tenancy").
constexpr char kIssuerUidAnnotation[] = "certstore.dev/issuer-uid";

// ---- Annotations people put on CertStores ---------------------------------
// A renewal on request (`kubectl certstore renew`): any new value (1-64
// characters of A-Z a-z 0-9 . _ : + -; the plugin writes the time) makes the
// operator issue one new certificate. The main Secret written with that
// certificate carries the same annotation with the value it answered, and
// status.lastRenewRequest reports it, so a value is honoured exactly once.
constexpr char kRenewRequestAnnotation[] = "certstore.dev/renew-request";

// ---- Annotations people put on workloads ------------------------------------
// On a Deployment, StatefulSet or DaemonSet: "true" makes the operator roll
// it (a pod template annotation) when the stores in Secrets its pods read
// change (controller/workload_restarts.h).
constexpr char kRestartOnChangeAnnotation[] = "certstore.dev/restart-on-change";
// Written by the operator on such a workload (metadata, and the pod template
// when it restarts it): the Secrets its pods started with and a digest of
// each one's data (engine/workload_restart.h).
constexpr char kStoresAnnotation[] = "certstore.dev/stores";
// On the pod template, with kStoresAnnotation: when the operator asked for
// the rolling restart.
constexpr char kRestartedAtAnnotation[] = "certstore.dev/restarted-at";
constexpr char kEventRestartedForNewStores[] = "RestartedForNewStores";

// ---- Annotations people put on issuers -------------------------------------
// The gesture that lets a selfSigned issuer whose recorded root's Secret is
// gone create a new root: this annotation on the issuer, set to the
// fingerprint (status.fingerprintSHA256) of the root being given up. It
// acts once: the new root has another fingerprint.
constexpr char kAcceptNewRootAnnotation[] = "certstore.dev/accept-new-root";
// The annotation on an issuer that makes the rotation that started at its
// value (status.rotation.startedAt) go on at once without lagging members.
constexpr char kRotationProceedAnnotation[] = "certstore.dev/rotation-proceed";

}  // namespace certstore::engine

#endif  // CERTSTORE_ENGINE_REASONS_H_
