export const TF_FREE_CORE: string[];
export const TF_FREE_FILES: string[];
export const tfFreePlugin: { rules: Record<string, unknown> };
