/** Nest injection token of the ImageRepository (an interface, so it needs a token). */
export const IMAGE_REPOSITORY = Symbol('IMAGE_REPOSITORY');
