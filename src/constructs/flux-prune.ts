/**
 * The Flux opt-out from deletion, for objects whose deletion would take down more than the object.
 *
 * kustomize-controller deletes objects through one function, `deleteObjects`
 * (fluxcd/kustomize-controller `internal/controller/kustomization_controller.go`), both when an
 * object leaves the folder (`prune`) and when the Kustomization itself is deleted (`finalize`, with
 * the default `deletionPolicy: MirrorPrune`). It passes this key and value as exclusions, and
 * fluxcd/pkg `ssa/manager_delete.go` (`Delete`) skips an object when its live copy carries the key
 * as a label or as an annotation (`utils.AnyInMetadata`). An annotation is used here; it must be on
 * the live object, so it protects an object only from the apply after it first carries it.
 */

/** The key: an annotation (a label works the same). */
export const FLUX_PRUNE_ANNOTATION = 'kustomize.toolkit.fluxcd.io/prune';
/** The value that turns deletion off (compared case-insensitively upstream). */
export const FLUX_PRUNE_DISABLED = 'disabled';
