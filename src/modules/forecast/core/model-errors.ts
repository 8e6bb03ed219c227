/** Why a stored model was refused. The service catches `ModelLoadError` and falls back to the baseline. */
export type ModelLoadErrorCode = 'model_missing' | 'model_corrupt' | 'model_incompatible';

export class ModelLoadError extends Error {
  override readonly name = 'ModelLoadError';
  constructor(
    readonly code: ModelLoadErrorCode,
    readonly modelDir: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot load model from ${modelDir}: ${detail}`, options);
  }
}
