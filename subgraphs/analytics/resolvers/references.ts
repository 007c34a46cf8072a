/** Entities referenced from other subgraphs: User is extended here, resolved by id alone. */
export const analyticsReferenceResolvers = {
  User: { __resolveReference: (ref: { id: string }) => ({ id: ref.id }) },
};
